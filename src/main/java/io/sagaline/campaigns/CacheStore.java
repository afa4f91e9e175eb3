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

    private final ReactiveRedisDataSource redis;
    private final Duration timeout;

    CacheStore(ReactiveRedisDataSource redis,
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
        return redis.execute(command, args).await().atMost(timeout);
    }
}
