package io.sagaline.local;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.arc.profile.IfBuildProfile;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * Who may call the local Lambda and Step Functions APIs. On loopback (the default), any AWS tool
 * on this machine, as with any local emulator: any credentials are accepted, a web page's requests
 * are not (see {@link #check}). As soon as the runtime
 * listens beyond loopback ({@code quarkus.http.host}, a team's shared box), or when
 * {@code sagaline.local.aws-auth.required=true}, every call must be signed with AWS Signature
 * Version 4 using the configured access key, verified as AWS verifies it; there is then no
 * default key, and the runtime refuses to start without one.
 */
@ApplicationScoped
@IfBuildProfile(anyOf = { "dev", "test" })
public class LocalAwsAuth {

    private static final Logger LOG = Logger.getLogger(LocalAwsAuth.class);

    private final SigV4Verifier verifier;

    LocalAwsAuth(@ConfigProperty(name = "quarkus.http.host", defaultValue = "localhost") String host,
            @ConfigProperty(name = "sagaline.local.aws-auth.required") Optional<Boolean> required,
            @ConfigProperty(name = "sagaline.local.aws-auth.access-key-id") Optional<String> accessKeyId,
            @ConfigProperty(name = "sagaline.local.aws-auth.secret-access-key") Optional<String> secretAccessKey) {
        boolean verify = required.orElse(!SigV4Verifier.loopback(host));
        if (!verify) {
            this.verifier = null;
            return;
        }
        if (accessKeyId.isEmpty() || secretAccessKey.isEmpty()) {
            throw new IllegalStateException("the local runtime listens on " + host + ", beyond loopback: its Lambda and "
                    + "Step Functions APIs then require SigV4-signed requests; set sagaline.local.aws-auth.access-key-id "
                    + "and sagaline.local.aws-auth.secret-access-key (SAGALINE_LOCAL_AWS_AUTH_ACCESS_KEY_ID, ..._SECRET_ACCESS_KEY)");
        }
        LOG.infof("local Lambda and Step Functions APIs: SigV4 signatures required (access key %s)", accessKeyId.get());
        this.verifier = new SigV4Verifier(Map.of(accessKeyId.get(), secretAccessKey.get()), Clock.systemUTC());
    }

    /**
     * Throws {@link SigV4Verifier.Refusal} unless the request is signed as required. On loopback,
     * where any credentials do, a request must still look like an AWS tool's: a SigV4
     * Authorization header, which a web page cannot make a browser send to another origin without
     * asking first (a preflight nobody here answers), no Origin but this runtime's own (the console's
     * page), and a Host that is this machine (a DNS-rebinding page names its own host).
     */
    void check(HttpServerRequest request, Buffer body) {
        check(request.method().name(), request.path(), request.query(), request::getHeader,
                body == null ? new byte[0] : body.getBytes());
    }

    void check(String method, String path, String query, java.util.function.Function<String, String> header, byte[] body) {
        if (verifier == null) {
            String authorization = header.apply("authorization");
            if (authorization == null || !authorization.startsWith("AWS4-HMAC-SHA256 ")) {
                throw new SigV4Verifier.Refusal("MissingAuthenticationTokenException", "Missing Authentication Token");
            }
            String host = header.apply("host");
            String name = host == null ? "" : host.replaceFirst(":\\d+$", "");
            String origin = header.apply("origin");
            // the console's own page may (its origin is this loopback host and port); any other page may not
            boolean foreignPage = origin != null && !(origin.equals("http://" + host) && SigV4Verifier.loopback(name));
            if (foreignPage || !SigV4Verifier.loopback(name)) {
                throw new SigV4Verifier.Refusal("AccessDeniedException", "a request from a web page, or for host " + host
                        + ", is not taken on loopback");
            }
            return;
        }
        verifier.verify(method, path, query, header, body);
    }
}
