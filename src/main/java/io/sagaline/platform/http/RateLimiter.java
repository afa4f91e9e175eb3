package io.sagaline.platform.http;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.jboss.logging.Logger;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.vertx.mutiny.redis.client.Response;

/**
 * Rate limits per API key and per tenant: two token buckets in Redis, shared by every function
 * instance, taken from together and atomically by one script (a request is let through only if
 * both have a token, and then takes one from each), on Redis's own clock. A tenant's buckets share
 * its hash slot ({@code ratelimit:{tenant}:...}), as ElastiCache Serverless needs for one script.
 * <p>
 * The answer carries the {@code RateLimit-Policy} and {@code RateLimit} fields of
 * draft-ietf-httpapi-ratelimit-headers-10, one policy per bucket ({@code "key"}, {@code "tenant"}):
 * a bucket of {@code burst} tokens refilled at {@code rate} per second is a quota {@code q=burst}
 * over the window {@code w} it takes to refill from empty; {@code r} is what is left, {@code t}
 * the seconds until it is full again.
 */
@ApplicationScoped
public class RateLimiter {

    private static final Logger LOG = Logger.getLogger(RateLimiter.class);

    /** KEYS: the key's bucket, the tenant's. ARGV: their rates (per second) and bursts. */
    private static final io.sagaline.platform.RedisScript TAKE = new io.sagaline.platform.RedisScript("""
            local t = redis.call('TIME')
            local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
            local function level(key, rate, burst)
              local b = redis.call('HMGET', key, 'tokens', 'at')
              local tokens, at = tonumber(b[1]), tonumber(b[2])
              if tokens == nil or at == nil then return burst end
              return math.min(burst, tokens + math.max(0, now - at) * rate)
            end
            local kr, kb, tr, tb = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
            local k, n = level(KEYS[1], kr, kb), level(KEYS[2], tr, tb)
            local allowed = 0
            if k >= 1 and n >= 1 then
              allowed = 1
              k, n = k - 1, n - 1
            end
            redis.call('HSET', KEYS[1], 'tokens', tostring(k), 'at', tostring(now))
            redis.call('PEXPIRE', KEYS[1], math.ceil(kb / kr * 1000) + 1000)
            redis.call('HSET', KEYS[2], 'tokens', tostring(n), 'at', tostring(now))
            redis.call('PEXPIRE', KEYS[2], math.ceil(tb / tr * 1000) + 1000)
            return {allowed, tostring(k), tostring(n)}
            """);

    /** A token bucket: {@code rate} tokens a second, at most {@code burst}. */
    public record Limit(double rate, int burst) {

        public Limit {
            if (!(rate > 0) || burst < 1) {
                throw new IllegalArgumentException("a rate limit needs a rate above 0 and a burst of at least 1");
            }
        }

        /** {@code "<rate>/<burst>"}, as the authorizer's context carries a key's own limit. */
        public static Optional<Limit> parse(Object value) {
            if (!(value instanceof String s) || !s.contains("/")) {
                return Optional.empty();
            }
            String[] parts = s.split("/");
            return Optional.of(new Limit(Double.parseDouble(parts[0]), Integer.parseInt(parts[1])));
        }

        public String text() {
            return (rate == Math.rint(rate) ? Long.toString((long) rate) : Double.toString(rate)) + "/" + burst;
        }

        long window() {
            return (long) Math.ceil(burst / rate);
        }
    }

    /** What a request was told: let through or not, the headers it carries, and when to retry if not. */
    public record Decision(boolean allowed, Map<String, String> headers, long retryAfterSeconds) {
    }

    @ConfigMapping(prefix = "sagaline.rate-limit")
    public interface Config {
        @WithDefault("true")
        boolean enabled();

        /** Every key's, unless the key has its own. */
        Bucket key();

        /** Every tenant's, unless {@link #tenants()} names it. */
        Bucket tenant();

        Map<String, Bucket> tenants();

        /**
         * A healthy Redis answers in a millisecond; under a burst on a saturated machine the wait
         * for a pooled connection comes on top (200 concurrent orders on two cores passed 100 ms).
         */
        @WithDefault("PT1S")
        Duration redisTimeout();

        interface Bucket {
            double perSecond();

            int burst();
        }
    }

    private final ReactiveRedisDataSource redis;
    private final Config config;

    /** Public for a test of two instances (two function instances sharing one Redis). */
    public RateLimiter(ReactiveRedisDataSource redis, Config config) {
        this.redis = redis;
        this.config = config;
    }

    public boolean enabled() {
        return config.enabled();
    }

    /**
     * Takes a token of {@code principal}'s key and tenant; throws if Redis cannot be asked (down,
     * slow, or the breaker open): the caller decides whether the route then fails open or closed.
     * Twenty calls in a row of which half failed open the breaker for two seconds.
     */
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 2000, successThreshold = 1)
    public Decision take(Principal principal, Optional<Limit> keysOwn) {
        Limit key = keysOwn.orElse(new Limit(config.key().perSecond(), config.key().burst()));
        Config.Bucket t = config.tenants().getOrDefault(principal.tenant(), config.tenant());
        Limit tenant = new Limit(t.perSecond(), t.burst());
        String slot = "ratelimit:{" + java.net.URLEncoder.encode(principal.tenant(), java.nio.charset.StandardCharsets.UTF_8)
                + "}:";
        Response r = TAKE.run(
                command -> redis.execute(command[0], java.util.Arrays.copyOfRange(command, 1, command.length)).await()
                        .atMost(config.redisTimeout()),
                "2", slot + "key:" + principal.keyId(), slot + "tenant", Double.toString(key.rate()),
                Integer.toString(key.burst()), Double.toString(tenant.rate()), Integer.toString(tenant.burst()));
        boolean allowed = r.get(0).toInteger() == 1;
        double keyLeft = Double.parseDouble(r.get(1).toString());
        double tenantLeft = Double.parseDouble(r.get(2).toString());
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("RateLimit-Policy", "\"key\";q=" + key.burst() + ";w=" + key.window() + ", \"tenant\";q=" + tenant.burst()
                + ";w=" + tenant.window());
        headers.put("RateLimit", "\"key\";r=" + (long) Math.floor(keyLeft) + ";t=" + untilFull(key, keyLeft)
                + ", \"tenant\";r=" + (long) Math.floor(tenantLeft) + ";t=" + untilFull(tenant, tenantLeft));
        long retry = 0;
        if (!allowed) {
            retry = Math.max(untilOne(key, keyLeft), untilOne(tenant, tenantLeft));
            headers.put("Retry-After", Long.toString(retry));
            LOG.debugf("rate limit: key %s of tenant %s refused for %d s", principal.keyId(), principal.tenant(), retry);
        }
        return new Decision(allowed, headers, retry);
    }

    private static long untilFull(Limit limit, double left) {
        return (long) Math.ceil(Math.max(0, limit.burst() - left) / limit.rate());
    }

    private static long untilOne(Limit limit, double left) {
        return left >= 1 ? 0 : Math.max(1, (long) Math.ceil((1 - left) / limit.rate()));
    }
}
