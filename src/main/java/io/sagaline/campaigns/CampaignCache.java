package io.sagaline.campaigns;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.vertx.mutiny.redis.client.Response;

/**
 * The campaigns' reads behind two tiers: a near cache in this process (one per function instance:
 * a warm Lambda answers a hot read without a network call) over Redis, shared by every instance,
 * over the database. Cache-aside, every key scoped by tenant.
 * <p>
 * <b>Invalidation.</b> Every entry's key holds its tenant's generation (and a global epoch). A
 * write commits its change with an outbox message; the queue consumer gives the tenant a new
 * generation ({@link #invalidate}), and every entry of the old one is never read again. A near
 * cache learns the generation from Redis at most once per {@code revalidate} per tenant, so it
 * serves an entry at most {@code revalidate} after the consumer ran. Whatever happens to the
 * message, no entry outlives its {@code ttl}; a live listing expires at the next start or end it
 * contains or misses ({@link Loaded#expiresAt}).
 * <p>
 * <b>Readers that race a write</b> read the generation before the database, so an entry written
 * with an old value sits under the old generation. <b>A miss storm</b> on one key loads once per
 * process (the other callers wait for that load) and once across processes (a lease in Redis; the
 * others wait for its entry, then load themselves if it does not come). <b>Redis down or slow</b>:
 * neither tier is used, reads go to the database; the first process to reach Redis again after a
 * command of it failed gives everything a new epoch, so that no entry an invalidation missed meanwhile
 * is served.
 */
public final class CampaignCache {

    private static final Logger LOG = Logger.getLogger(CampaignCache.class);
    private static final String EPOCH = "campaigns:epoch";

    /**
     * Which tiers serve reads: both (the default), Redis alone (no near tier), or neither (every
     * read from the database; invalidations still go to Redis). For measuring one against the other.
     */
    public enum Mode {
        BOTH,
        REDIS_ONLY,
        NONE
    }

    /** What a load gives: the value (empty: not found) and until when it may be served. */
    public record Loaded<T>(Optional<T> value, Instant expiresAt) {
    }

    /** How the tiers behave. */
    public record Settings(Duration ttl, Duration revalidate, long nearEntries, Duration lease, Duration waitForLoad) {
    }

    /** An entry as both tiers keep it; {@code body} null for "not found". */
    @io.quarkus.runtime.annotations.RegisterForReflection
    record Stored(String tenant, Instant expiresAt, JsonNode body) {
    }

    private record Near(String tenant, Instant expiresAt, Object value) {
    }

    private record Scope(String value, Instant checkedAt) {
    }

    private final CacheStore redis;
    private final ObjectMapper json;
    private final Clock clock;
    private final Settings settings;
    private final Cache<String, Near> near;
    private final Map<String, Scope> scopes = new ConcurrentHashMap<>();
    /** One more at every epoch or generation this process sets: a scope read before one is not kept after it. */
    private final AtomicLong changes = new AtomicLong();
    private final Map<String, CompletableFuture<Near>> loading = new ConcurrentHashMap<>();
    private final AtomicLong loads = new AtomicLong();
    private final AtomicLong nearHits = new AtomicLong();
    private final AtomicLong redisHits = new AtomicLong();
    private final AtomicLong bypassed = new AtomicLong();
    private volatile Mode mode = Mode.BOTH;

    public CampaignCache(CacheStore redis, ObjectMapper json, Clock clock, Settings settings) {
        this.redis = redis;
        this.json = json;
        this.clock = clock;
        this.settings = settings;
        this.near = Caffeine.newBuilder().maximumSize(settings.nearEntries()).expireAfterWrite(settings.ttl()).build();
    }

    private static final ThreadLocal<String> TIER = new ThreadLocal<>();

    /**
     * Where this thread's last read was answered: {@code near}, {@code redis}, {@code miss} (the
     * database, then both tiers) or {@code bypass} (the database, Redis away). The read functions
     * answer it as {@code X-Cache}.
     */
    public static String lastTier() {
        String tier = TIER.get();
        TIER.remove();
        return tier == null ? "miss" : tier;
    }

    public void mode(Mode mode) {
        this.mode = mode;
        near.invalidateAll();
    }

    public Mode mode() {
        return mode;
    }

    /** How many reads went to the database (cold keys, expired entries, Redis unavailable). */
    public long loads() {
        return loads.get();
    }

    /** Reads answered by this process's near tier. */
    public long nearHits() {
        return nearHits.get();
    }

    /** Reads answered by Redis. */
    public long redisHits() {
        return redisHits.get();
    }

    /** Reads that went to the database because Redis could not be asked. */
    public long bypassed() {
        return bypassed.get();
    }

    /**
     * {@code key}'s value for {@code tenant}: from this process, from Redis, or from {@code load}
     * (the database), which then fills both tiers.
     */
    public <T> Optional<T> get(String tenant, String key, Class<T> type, Supplier<Loaded<T>> load) {
        TIER.remove(); // whatever a read that failed left on this thread
        if (mode == Mode.NONE) {
            loads.incrementAndGet();
            TIER.set("off");
            return load.get().value();
        }
        Instant now = clock.instant();
        Optional<String> scope = scope(tenant, now);
        if (scope.isEmpty()) {
            bypassed.incrementAndGet();
            loads.incrementAndGet();
            TIER.set("bypass");
            return load.get().value();
        }
        String full = prefix(tenant) + scope.get() + ":" + key;
        Near hit = mode == Mode.BOTH ? near.getIfPresent(full) : null;
        if (hit != null && hit.tenant().equals(tenant) && hit.expiresAt().isAfter(now)) {
            nearHits.incrementAndGet();
            TIER.set("near");
            return Optional.ofNullable(type.cast(hit.value()));
        }
        Near shared = fromRedis(tenant, full, type, now);
        if (shared != null) {
            redisHits.incrementAndGet();
            TIER.set("redis");
            return Optional.ofNullable(type.cast(shared.value()));
        }
        CompletableFuture<Near> mine = new CompletableFuture<>();
        CompletableFuture<Near> theirs = loading.putIfAbsent(full, mine);
        if (theirs != null) {
            try {
                TIER.set("miss");
                return Optional.ofNullable(type.cast(theirs.join().value())); // another caller of this process loads it
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
        try {
            Near loaded = loadOnce(tenant, full, type, load);
            mine.complete(loaded);
            return Optional.ofNullable(type.cast(loaded.value()));
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            loading.remove(full, mine);
        }
    }

    /**
     * Gives {@code tenant} a new generation: no entry of the old one is read again, here at once,
     * elsewhere within {@code revalidate}. Throws if Redis cannot be reached (the consumer's message
     * then comes back).
     */
    public void invalidate(String tenant) {
        try {
            recoverIfNeeded();
            redis.command("SET", generationKey(tenant), UUID.randomUUID().toString());
        } catch (RuntimeException e) {
            redis.lost();
            changes.incrementAndGet();
            scopes.remove(tenant); // this process knows of the change: it trusts nothing of the tenant's until Redis does
            throw e;
        }
        changes.incrementAndGet();
        scopes.remove(tenant);
    }

    /**
     * After a Redis command of this process failed (Redis down, slow, unreachable), an
     * invalidation may have been lost meanwhile: the first command that gets through again gives
     * every entry a new epoch, so nothing from before is served.
     */
    private void recoverIfNeeded() {
        if (redis.failedSinceTrusted()) {
            redis.trusted(); // before the SET: a failure meanwhile marks it again
            try {
                redis.command("SET", EPOCH, UUID.randomUUID().toString());
            } catch (RuntimeException e) {
                redis.lost();
                throw e;
            }
            changes.incrementAndGet();
            scopes.clear();
            LOG.info("campaigns cache: Redis answers again after a failure; every entry from before is dropped (a new epoch)");
        }
    }

    /** The loader a miss runs, once across processes when it can: the holder of the lease loads. */
    private <T> Near loadOnce(String tenant, String full, Class<T> type, Supplier<Loaded<T>> load) {
        String lease = "campaigns:lease:" + full;
        String token = UUID.randomUUID().toString();
        boolean holder;
        try {
            holder = redis.command("SET", lease, token, "NX", "PX", Long.toString(settings.lease().toMillis())) != null;
        } catch (RuntimeException e) {
            holder = true; // Redis went away meanwhile: load, and keep it here only
        }
        if (!holder) {
            long deadline = System.nanoTime() + settings.waitForLoad().toNanos();
            while (System.nanoTime() < deadline) {
                pause();
                Near shared = fromRedis(tenant, full, type, clock.instant());
                if (shared != null) {
                    redisHits.incrementAndGet();
                    TIER.set("redis");
                    return shared;
                }
            }
            // The holder did not deliver in time (it died, or is slow): load it ourselves.
        }
        try {
            Loaded<T> loaded = load.get();
            loads.incrementAndGet();
            TIER.set("miss");
            Instant now = clock.instant();
            Instant expires = earliest(loaded.expiresAt(), now.plus(settings.ttl()));
            Near entry = new Near(tenant, expires, loaded.value().orElse(null));
            long millis = Duration.between(now, expires).toMillis();
            if (millis > 0) {
                if (mode == Mode.BOTH) {
                    near.put(full, entry);
                }
                try {
                    redis.command("SET", full, json.writeValueAsString(new Stored(tenant, expires,
                            loaded.value().map(json::<JsonNode> valueToTree).orElse(null))), "PX", Long.toString(millis));
                } catch (RuntimeException | JsonProcessingException e) {
                    LOG.debugf("campaigns cache: %s not written to Redis: %s", full, e.getMessage());
                }
            }
            return entry;
        } finally {
            if (holder) {
                try {
                    redis.command("EVAL", "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) "
                            + "else return 0 end", "1", lease, token);
                } catch (RuntimeException e) {
                    // it lapses by itself
                }
            }
        }
    }

    /** The entry in Redis, put into the near tier too; null if absent, expired, another tenant's, or Redis is away. */
    private <T> Near fromRedis(String tenant, String full, Class<T> type, Instant now) {
        Response value;
        try {
            value = redis.command("GET", full);
        } catch (RuntimeException e) {
            return null;
        }
        if (value == null) {
            return null;
        }
        try {
            Stored stored = json.readValue(value.toString(), Stored.class);
            if (!tenant.equals(stored.tenant()) || !stored.expiresAt().isAfter(now)) {
                return null;
            }
            Near entry = new Near(tenant, stored.expiresAt(),
                    stored.body() == null || stored.body().isNull() ? null : json.treeToValue(stored.body(), type));
            if (mode == Mode.BOTH) {
                near.put(full, entry);
            }
            return entry;
        } catch (JsonProcessingException e) {
            LOG.warnf("campaigns cache: unreadable entry %s dropped: %s", full, e.getOriginalMessage());
            return null;
        }
    }

    /**
     * The epoch and {@code tenant}'s generation, from this process if it asked Redis less than
     * {@code revalidate} ago; empty if Redis cannot be asked (then nothing cached is served).
     */
    private Optional<String> scope(String tenant, Instant now) {
        Scope known = scopes.get(tenant);
        if (known != null && known.checkedAt().plus(settings.revalidate()).isAfter(now)) {
            return Optional.of(known.value());
        }
        try {
            recoverIfNeeded();
            long seen = changes.get();
            String epoch = orInitial(EPOCH, redis.command("GET", EPOCH));
            String generation = orInitial(generationKey(tenant), redis.command("GET", generationKey(tenant)));
            String value = epoch + ":" + generation;
            if (changes.get() == seen) {
                scopes.put(tenant, new Scope(value, now));
            }
            return Optional.of(value);
        } catch (RuntimeException e) {
            if (e instanceof org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException) {
                redis.lost(); // the breaker opened on failures: what Redis holds is not to be trusted when it closes
            }
            LOG.debugf("campaigns cache %x: Redis not reachable (%s); reading the database", System.identityHashCode(this),
                    e.getMessage());
            scopes.remove(tenant);
            return Optional.empty();
        }
    }

    /** A key's value, or the one set now if it has none (whoever sets first wins). */
    private String orInitial(String key, Response value) {
        if (value != null) {
            return value.toString();
        }
        String fresh = UUID.randomUUID().toString();
        Response set = redis.command("SET", key, fresh, "NX");
        return set != null ? fresh : redis.command("GET", key).toString();
    }

    private static String generationKey(String tenant) {
        return prefix(tenant) + "generation";
    }

    private static String prefix(String tenant) {
        return "campaigns:" + URLEncoder.encode(tenant, StandardCharsets.UTF_8) + ":";
    }

    private static Instant earliest(Instant a, Instant b) {
        return a == null || b.isBefore(a) ? b : a;
    }

    private static void pause() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
