package io.sagaline.orders;

import java.time.Duration;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.redis.datasource.RedisDataSource;
import io.vertx.mutiny.redis.client.Response;

/**
 * {@code Idempotency-Key} of {@code POST /orders}, kept in Redis for a while: the first request
 * with a key claims it for its body (by hash) and its order id; later ones find that claim.
 */
@ApplicationScoped
public class IdempotencyKeys {

    public record Claim(String requestHash, String orderId) {
    }

    private final RedisDataSource redis;
    private final Duration ttl;

    IdempotencyKeys(RedisDataSource redis, @ConfigProperty(name = "sagaline.idempotency.ttl") Duration ttl) {
        this.redis = redis;
        this.ttl = ttl;
    }

    /** Claims the key for {@code mine}; if another request claimed it first, returns that claim. */
    public Optional<Claim> claim(String tenant, String key, Claim mine) {
        String redisKey = "idempotency:" + tenant + ":" + key;
        String value = mine.requestHash() + "|" + mine.orderId();
        Response set = redis.execute("SET", redisKey, value, "NX", "EX", Long.toString(ttl.toSeconds()));
        if (set != null) {
            return Optional.empty();
        }
        Response existing = redis.execute("GET", redisKey);
        if (existing == null) {
            // Expired between SET and GET: claim again.
            return claim(tenant, key, mine);
        }
        String[] parts = existing.toString().split("\\|", 2);
        return Optional.of(new Claim(parts[0], parts[1]));
    }
}
