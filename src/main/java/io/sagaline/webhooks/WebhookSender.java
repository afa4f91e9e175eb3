package io.sagaline.webhooks;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.util.TypeLiteral;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.smallrye.faulttolerance.api.TypedGuard;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;

/**
 * POSTs a delivery to its receiver, without a thread per request (Vert.x's client): to the very
 * address {@link WebhookUrls} checked (the URL's host goes in {@code Host} and TLS's SNI and is what
 * the certificate must name), redirects not followed, within a timeout, its answer read and
 * dropped; the whole attempt ends within {@code timeout}. Each subscription has its own circuit
 * breaker: after {@code failures} failures in a row (a 5xx, 408 or 429, a timeout, a connection
 * that fails: the receiver in trouble, not a 4xx it means) its deliveries are not tried for
 * {@code open-for}, so a receiver that is down or slow costs its own deliveries a wait and nobody
 * else's, and one tenant's failures never hold back another's deliveries to the same host.
 */
@ApplicationScoped
public class WebhookSender {

    /** What became of one POST. */
    public record Outcome(String outcome, Integer status, long latencyMillis, String error) {
        boolean delivered() {
            return "DELIVERED".equals(outcome);
        }
    }

    /** A receiver's answer that is not a 2xx: a failure for its circuit. */
    static final class Refused extends RuntimeException {
        final int status;

        Refused(int status) {
            super("the receiver answered " + status, null, false, false);
            this.status = status;
        }
    }

    private final Vertx vertx;
    private final Duration timeout;
    private final int failures;
    private final Duration openFor;
    private final Cache<String, TypedGuard<CompletionStage<Integer>>> circuits = Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterAccess(Duration.ofHours(1)).build();
    private volatile HttpClient client;

    WebhookSender(Vertx vertx, @ConfigProperty(name = "sagaline.webhooks.timeout", defaultValue = "10s") Duration timeout,
            @ConfigProperty(name = "sagaline.webhooks.circuit.failures", defaultValue = "5") int failures,
            @ConfigProperty(name = "sagaline.webhooks.circuit.open-for", defaultValue = "60s") Duration openFor) {
        this.vertx = vertx;
        this.timeout = timeout;
        this.failures = failures;
        this.openFor = openFor;
    }

    private HttpClient client() {
        HttpClient c = client;
        if (c == null) {
            synchronized (this) {
                if (client == null) {
                    client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) timeout.toMillis())
                            .setIdleTimeout((int) timeout.toSeconds()).setVerifyHost(true).setForceSni(true)
                            .setMaxPoolSize(8).setKeepAlive(true)
                            // receivers close idle connections; one reused after that fails its POST
                            .setKeepAliveTimeout(4).setTryUseCompression(false));
                }
                c = client;
            }
        }
        return c;
    }

    /** How long an open circuit holds its subscription's deliveries. */
    public Duration openFor() {
        return openFor;
    }

    /** Whether a failure counts against its receiver's circuit: trouble at the receiver, not an answer it means. */
    static boolean trouble(Throwable failure) {
        Throwable cause = io.sagaline.platform.AsyncHandler.cause(failure);
        return !(cause instanceof Refused r) || r.status >= 500 || r.status == 408 || r.status == 429;
    }

    /**
     * POSTs {@code body} with {@code headers} to {@code target}, under subscription {@code circuit}'s
     * circuit breaker; never fails, the outcome says what happened.
     */
    public CompletionStage<Outcome> post(String circuitKey, WebhookUrls.Target target, Map<String, String> headers,
            String body) {
        String endpoint = (target.tls() ? "https://" : "http://") + target.uri().getHost() + ":" + target.port();
        TypedGuard<CompletionStage<Integer>> circuit = circuits.get(circuitKey,
                e -> TypedGuard.create(new TypeLiteral<CompletionStage<Integer>>() {
                }).withCircuitBreaker().requestVolumeThreshold(failures).failureRatio(1.0)
                        .delay(openFor.toMillis(), ChronoUnit.MILLIS).successThreshold(1).when(WebhookSender::trouble).done()
                        .build());
        long started = System.nanoTime();
        CompletionStage<Integer> sent;
        try {
            sent = circuit.get(() -> send(target, headers, body).toCompletableFuture().orTimeout(timeout.toMillis(),
                    java.util.concurrent.TimeUnit.MILLISECONDS));
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        return sent.handle((status, failure) -> {
            long millis = (System.nanoTime() - started) / 1_000_000;
            Throwable cause = io.sagaline.platform.AsyncHandler.cause(failure);
            if (cause == null) {
                return new Outcome("DELIVERED", status, millis, null);
            }
            if (cause instanceof CircuitBreakerOpenException) {
                return new Outcome("CIRCUIT_OPEN", null, 0, "not sent: " + endpoint + " failed " + failures
                        + " times in a row; it is tried again after " + openFor.toSeconds() + " s");
            }
            if (cause instanceof Refused r) {
                return new Outcome("FAILED", r.status, millis, r.getMessage());
            }
            if (cause instanceof java.util.concurrent.TimeoutException) {
                return new Outcome("FAILED", null, millis, "no answer within " + timeout.toSeconds() + " s");
            }
            String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
            return new Outcome("FAILED", null, millis, message.length() > 400 ? message.substring(0, 400) : message);
        });
    }

    private CompletionStage<Integer> send(WebhookUrls.Target target, Map<String, String> headers, String body) {
        String path = target.uri().getRawPath() == null || target.uri().getRawPath().isEmpty() ? "/"
                : target.uri().getRawPath();
        if (target.uri().getRawQuery() != null) {
            path += "?" + target.uri().getRawQuery();
        }
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
                .setServer(SocketAddress.inetSocketAddress(target.port(), target.address().getHostAddress()))
                .setHost(target.uri().getHost()).setPort(target.port()).setSsl(target.tls()).setURI(path)
                .setFollowRedirects(false).setConnectTimeout(timeout.toMillis()).setIdleTimeout(timeout.toMillis());
        headers.forEach(options::putHeader);
        return client().request(options).compose(request -> {
            // however the receiver trickles its answer, the attempt ends in time
            vertx.setTimer(timeout.toMillis(), t -> request.reset());
            return request.send(Buffer.buffer(body));
        })
                .compose(response -> response.end().map(v -> response.statusCode()))
                .toCompletionStage().thenApply(status -> {
                    if (status < 200 || status > 299) {
                        throw new Refused(status);
                    }
                    return status;
                });
    }

    @PreDestroy
    void close() {
        HttpClient c = client;
        if (c != null) {
            c.close();
        }
    }
}
