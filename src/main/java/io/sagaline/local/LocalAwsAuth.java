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
 * Who may call the local Lambda and Step Functions APIs. On loopback (the default), anyone on
 * this machine, as with any local emulator: any credentials are accepted. As soon as the runtime
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

    public boolean required() {
        return verifier != null;
    }

    /** Throws {@link SigV4Verifier.Refusal} unless the request is signed as required. */
    void check(HttpServerRequest request, Buffer body) {
        if (verifier == null) {
            return;
        }
        verifier.verify(request.method().name(), request.path(), request.query(), request::getHeader,
                body == null ? new byte[0] : body.getBytes());
    }
}
