package io.sagaline.campaigns;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.vertx.mutiny.redis.client.Response;

/**
 * The campaigns' distributed cache tier: Redis (embedded locally, ElastiCache in AWS), every command
 * bounded by a short timeout and all of them behind one circuit breaker, so that a Redis that is
 * down or slow costs a read a few milliseconds, then nothing, while the breaker is open: the cache
 * answers "unavailable" and the read goes to the database.
 */
@ApplicationScoped
public class CacheStore {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(CacheStore.class);

    private final ReactiveRedisDataSource redis;
    private final Duration timeout;
    private volatile boolean failed;
    private volatile boolean answered;

    protected CacheStore(ReactiveRedisDataSource redis,
            @ConfigProperty(name = "sagaline.campaigns.cache.redis-timeout", defaultValue = "PT0.25S") Duration timeout) {
        this.redis = redis;
        this.timeout = timeout;
    }

    /**
     * One Redis command; null for Redis's nil. Four calls in a row of which half failed open the
     * breaker for two seconds, then one call tries again.
     */
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.5, delay = 2000, successThreshold = 1)
    public Response command(String command, String... args) {
        try {
            Response response = redis.execute(command, args).await().atMost(timeout);
            answered = true;
            return response;
        } catch (RuntimeException e) {
            // Before its first answer a process has cached nothing and missed nothing: a slow first
            // connection is no outage.
            failed |= answered;
            LOG.debugf("Redis %s failed: %s", command, e.toString());
            throw e;
        }
    }

    /**
     * Whether a command failed since {@link #trusted()} was last called: an invalidation may have
     * been lost meanwhile, so what Redis holds is no longer to be trusted.
     */
    boolean failedSinceTrusted() {
        return failed;
    }

    void trusted() {
        failed = false;
    }

    /** An invalidation of this process did not reach Redis: whatever it held is not to be trusted. */
    void lost() {
        failed = true;
    }

    /** Connects at start (a Lambda's init), so that the first read does not pay for the connection. */
    void connect(@jakarta.enterprise.event.Observes io.quarkus.runtime.StartupEvent start) {
        redis.execute("PING").subscribe().with(ok -> answered = true, e -> LOG.debugf("Redis not reachable at start: %s", e));
    }
}
