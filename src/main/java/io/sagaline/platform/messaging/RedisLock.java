package io.sagaline.platform.messaging;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.redis.datasource.RedisDataSource;
import io.vertx.mutiny.redis.client.Response;

/**
 * A lease in Redis ({@code SET key token NX PX ttl}): held by one caller at a time, given back
 * only by its holder (compare-and-delete in a script), and lapsing on its own if the holder dies.
 */
@ApplicationScoped
public class RedisLock {

    private static final String RELEASE = """
            if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end""";
    private static final String RENEW = """
            if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end""";

    /** A held lease; {@link #close()} gives it back if it is still this holder's. */
    public final class Lease implements AutoCloseable {
        private final String key;
        private final String token;

        private Lease(String key, String token) {
            this.key = key;
            this.token = token;
        }

        /** Extends the lease to {@code ttl} from now if it is still this holder's; false if it lapsed and was lost. */
        public boolean renew(Duration ttl) {
            Response renewed = redis.execute("EVAL", RENEW, "1", key, token, Long.toString(ttl.toMillis()));
            return renewed != null && renewed.toLong() == 1;
        }

        @Override
        public void close() {
            redis.execute("EVAL", RELEASE, "1", key, token);
        }
    }

    private final RedisDataSource redis;

    RedisLock(RedisDataSource redis) {
        this.redis = redis;
    }

    /** The lease on {@code name} for {@code ttl}, or empty if someone else holds it. */
    public Optional<Lease> tryAcquire(String name, Duration ttl) {
        String key = "lock:" + name;
        String token = UUID.randomUUID().toString();
        Response set = redis.execute("SET", key, token, "NX", "PX", Long.toString(ttl.toMillis()));
        return set == null ? Optional.empty() : Optional.of(new Lease(key, token));
    }
}
