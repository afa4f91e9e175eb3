package io.sagaline.campaigns;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
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
import com.github.benmanes.caffeine.cache.Expiry;

import io.vertx.mutiny.redis.client.Response;

/**
 * The campaigns' reads behind two tiers: a near cache in this process (one per function instance:
 * a warm Lambda answers a hot read without a network call) over Redis, shared by every instance,
 * over the database. Cache-aside, every key scoped by tenant.
 * <p>
 * <b>Invalidation, per resource.</b> Every read names the <i>tag</i> its value depends on (one
 * campaign, one campaign's events, one event, a live listing). Each tag has a generation in Redis;
 * an entry carries the generation (and the global epoch) it was loaded under and is served only
 * while they are current. A write commits its change with an outbox message naming the tags it
 * changed; the queue consumer gives those tags new generations ({@link #invalidate}), and nothing
 * else of the tenant is dropped. A near cache learns a tag's generation from Redis at most once per
 * {@code revalidate}, so it serves an entry at most {@code revalidate} after the consumer ran.
 * Whatever happens to the message, no entry outlives its {@code ttl}; a live listing expires at the
 * next start or end it contains or misses ({@link Loaded#expiresAt}).
 * <p>
 * <b>One round trip.</b> A read that its near tier cannot answer makes one call to Redis (a script:
 * the tag's generation, the entry if it is current, and if it is not, the lease to load it); a miss
 * makes one more after the load (the entry written if its generation is still current, the lease
 * released). A tenant's keys share one hash slot ({@code campaigns:{tenant}:...}), and every script
 * names all the keys it touches, as ElastiCache Serverless requires.
 * <p>
 * <b>Readers that race a write</b> read the generation before the database, so an entry loaded
 * with an old value carries the old generation. <b>A miss storm</b> on one key loads once per
 * process (the other callers wait for that load) and once across processes (the lease; the others
 * wait for its entry, then load themselves if it does not come). <b>Redis down or slow</b>: neither
 * tier is used, reads go to the database; the first process to reach Redis again after a command
 * of it failed gives everything a new epoch, so that no entry an invalidation missed meanwhile is
 * served.
 */
public final class CampaignCache {

    private static final Logger LOG = Logger.getLogger(CampaignCache.class);
    private static final String EPOCH = "campaigns:epoch";

    /**
     * KEYS: the tag's generation, the entry, its lease. ARGV: a generation to set if the tag has
     * none, the generations' ttl (ms), a lease token, the lease's ttl (ms), the generation the caller
     * holds the entry under in its near tier ('' none), the epoch. Answers the generation, the
     * entry if it is current and the caller does not hold it already, and 1 if the caller now holds
     * the lease.
     */
    private static final String READ = """
            local gen = redis.call('GET', KEYS[1])
            if not gen then
              redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
              gen = ARGV[1]
            end
            if gen == ARGV[5] then return {gen, false, 0} end
            local entry = redis.call('GET', KEYS[2])
            local current = ARGV[6] .. ':' .. gen .. '|'
            if entry and string.sub(entry, 1, string.len(current)) == current then return {gen, entry, 0} end
            if redis.call('SET', KEYS[3], ARGV[3], 'NX', 'PX', ARGV[4]) then return {gen, false, 1} end
            return {gen, false, 0}
            """;

    /**
     * KEYS: the tag's generation, the entry, its lease. ARGV: the generation the value was loaded
     * under, the entry, its ttl (ms; 0 keeps nothing), the lease token ('' none). The entry is kept
     * only if that generation is still current; the lease is released if it is still the caller's.
     */
    private static final String WRITE = """
            if tonumber(ARGV[3]) > 0 and redis.call('GET', KEYS[1]) == ARGV[1] then
              redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
            end
            if ARGV[4] ~= '' and redis.call('GET', KEYS[3]) == ARGV[4] then redis.call('DEL', KEYS[3]) end
            return 1
            """;

    /** KEYS: generations of one tenant. ARGV: their ttl (ms), then a new generation for each. */
    private static final String INVALIDATE = """
            for i, key in ipairs(KEYS) do redis.call('SET', key, ARGV[i + 1], 'PX', ARGV[1]) end
            return #KEYS
            """;

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

    /** An entry as Redis keeps it, after its epoch and generation; {@code body} null for "not found". */
    @io.quarkus.runtime.annotations.RegisterForReflection
    record Stored(String tenant, Instant expiresAt, JsonNode body) {
    }

    /** An entry as the near tier keeps it. */
    private record Near(String tenant, String epoch, String generation, Instant expiresAt, Object value) {
    }

    /** A value read from Redis, and when. */
    private record Checked(String value, Instant checkedAt) {
    }

    /** What Redis answered a read: the tag's generation, the entry if current, whether the caller holds the lease. */
    private record Read(String generation, String entry, boolean leased) {
    }

    /** A read of Redis (and perhaps the database) under way in this process, and when it began. */
    private record Flight(CompletableFuture<Outcome> outcome, Instant startedAt) {
    }

    /** How a read that the near tier could not answer at once was answered. */
    private record Outcome(Near entry, String tier) {
    }

    private final CacheStore redis;
    private final ObjectMapper json;
    private final Clock clock;
    private final Settings settings;
    private final Cache<String, Near> near;
    private final Cache<String, Checked> generations;
    private volatile Checked epoch;
    /** One more at every epoch or generation this process sets: a value read before one is not kept after it. */
    private final AtomicLong changes = new AtomicLong();
    private final Map<String, Flight> loading = new ConcurrentHashMap<>();
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
        // Caffeine's time is this cache's clock: an entry leaves memory when it may no longer be served.
        this.near = Caffeine.newBuilder().maximumSize(settings.nearEntries()).ticker(this::nanos)
                .expireAfter(Expiry.<String, Near> writing(
                        (key, entry) -> max(Duration.ZERO, Duration.between(clock.instant(), entry.expiresAt()))))
                .build();
        // A generation is trusted for revalidate from when Redis was asked, not from its answer.
        this.generations = Caffeine.newBuilder().maximumSize(settings.nearEntries()).ticker(this::nanos)
                .expireAfter(Expiry.<String, Checked> writing((key, checked) -> max(Duration.ZERO,
                        Duration.between(clock.instant(), checked.checkedAt().plus(settings.revalidate())))))
                .build();
    }

    private long nanos() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static final ThreadLocal<String> TIER = new ThreadLocal<>();

    /**
     * Where this thread's last read was answered: {@code near}, {@code redis}, {@code miss} (the
     * database, then both tiers), {@code bypass} (the database, Redis away) or {@code off} (the
     * cache switched off). The read functions answer it as {@code X-Cache}.
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

    /** {@link #get(String, String, String, Class, Supplier)} of a value that depends on its key alone. */
    public <T> Optional<T> get(String tenant, String key, Class<T> type, Supplier<Loaded<T>> load) {
        return get(tenant, key, key, type, load);
    }

    /**
     * {@code key}'s value for {@code tenant}: from this process, from Redis, or from {@code load}
     * (the database), which then fills both tiers. An invalidation of {@code tag} drops it.
     */
    public <T> Optional<T> get(String tenant, String tag, String key, Class<T> type, Supplier<Loaded<T>> load) {
        TIER.remove(); // whatever a read that failed left on this thread
        if (mode == Mode.NONE) {
            loads.incrementAndGet();
            TIER.set("off");
            return load.get().value();
        }
        Instant now = clock.instant();
        String epoch;
        try {
            epoch = epoch(now);
        } catch (RuntimeException e) {
            unavailable(e);
            return bypass(load);
        }
        String entryKey = prefix(tenant) + "entry:" + key;
        String generationKey = generationKey(tenant, tag);
        Near hit = mode == Mode.BOTH ? near.getIfPresent(entryKey) : null;
        if (hit != null && !(hit.tenant().equals(tenant) && hit.epoch().equals(epoch) && hit.expiresAt().isAfter(now))) {
            hit = null;
        }
        Checked generation = generations.getIfPresent(generationKey);
        if (hit != null && generation != null && hit.generation().equals(generation.value())) {
            return answer(new Outcome(hit, "near"), type);
        }
        // Past this, Redis and perhaps the database: once in this process for all its callers of the key.
        String flight = entryKey + "|" + epoch + "|" + (generation == null ? "" : generation.value());
        Flight mine = new Flight(new CompletableFuture<>(), now);
        Flight theirs = loading.putIfAbsent(flight, mine);
        if (theirs != null) {
            // Joined only while it is as fresh as a generation this process would trust: a load
            // that began longer ago may have read the database before a change now applied.
            if (theirs.startedAt().plus(settings.revalidate()).isAfter(now)) {
                try {
                    return answer(theirs.outcome().join(), type);
                } catch (CompletionException e) {
                    throw e.getCause() instanceof RuntimeException r ? r : e;
                }
            }
            return answer(fetch(tenant, generationKey, entryKey, epoch, hit, type, load), type);
        }
        try {
            Outcome outcome = fetch(tenant, generationKey, entryKey, epoch, hit, type, load);
            mine.outcome().complete(outcome);
            return answer(outcome, type);
        } catch (RuntimeException e) {
            mine.outcome().completeExceptionally(e);
            throw e;
        } finally {
            loading.remove(flight, mine);
        }
    }

    private <T> Optional<T> answer(Outcome outcome, Class<T> type) {
        switch (outcome.tier()) {
            case "near" -> nearHits.incrementAndGet();
            case "redis" -> redisHits.incrementAndGet();
            case "bypass" -> bypassed.incrementAndGet();
            default -> {
            }
        }
        TIER.set(outcome.tier());
        return Optional.ofNullable(type.cast(outcome.entry().value()));
    }

    private <T> Optional<T> bypass(Supplier<Loaded<T>> load) {
        bypassed.incrementAndGet();
        loads.incrementAndGet();
        TIER.set("bypass");
        return load.get().value();
    }

    /** The near tier could not answer: one round trip to Redis, and the database if Redis has nothing current. */
    private <T> Outcome fetch(String tenant, String generationKey, String entryKey, String epoch, Near hit, Class<T> type,
            Supplier<Loaded<T>> load) {
        String token = UUID.randomUUID().toString();
        long seen = changes.get();
        Instant asked = clock.instant();
        Read read;
        try {
            read = read(generationKey, entryKey, epoch, token, hit == null ? "" : hit.generation());
        } catch (RuntimeException e) {
            unavailable(e);
            return new Outcome(new Near(tenant, epoch, "", Instant.MIN, loadOnly(load)), "bypass");
        }
        if (changes.get() == seen) {
            generations.put(generationKey, new Checked(read.generation(), asked));
        }
        if (hit != null && hit.generation().equals(read.generation())) {
            return new Outcome(hit, "near"); // still current: revalidated
        }
        Near shared = parse(tenant, entryKey, epoch, read, type);
        if (shared != null) {
            return new Outcome(shared, "redis");
        }
        boolean holder = read.leased();
        if (!holder) {
            long deadline = System.nanoTime() + settings.waitForLoad().toNanos();
            while (System.nanoTime() < deadline && !holder) {
                pause();
                try {
                    read = read(generationKey, entryKey, epoch, token, "");
                } catch (RuntimeException e) {
                    break; // Redis went away meanwhile: load, and keep it here only
                }
                shared = parse(tenant, entryKey, epoch, read, type);
                if (shared != null) {
                    return new Outcome(shared, "redis");
                }
                holder = read.leased(); // the holder's lease lapsed (it died, or is slow): ours now
            }
            // The holder did not deliver in time: load it ourselves.
        }
        return new Outcome(loadAndKeep(tenant, generationKey, entryKey, epoch, read.generation(), holder ? token : "", load),
                "miss");
    }

    private <T> T loadOnly(Supplier<Loaded<T>> load) {
        loads.incrementAndGet();
        return load.get().value().orElse(null);
    }

    /** Loads from the database, keeps the value in both tiers (if its generation is still current), releases the lease. */
    private <T> Near loadAndKeep(String tenant, String generationKey, String entryKey, String epoch, String generation,
            String token, Supplier<Loaded<T>> load) {
        String lease = leaseKey(entryKey);
        Loaded<T> loaded;
        try {
            loaded = load.get();
        } catch (RuntimeException e) {
            write(generationKey, entryKey, lease, generation, "", 0, token);
            throw e;
        }
        loads.incrementAndGet();
        Instant now = clock.instant();
        Instant expires = earliest(loaded.expiresAt(), now.plus(settings.ttl()));
        Near entry = new Near(tenant, epoch, generation, expires, loaded.value().orElse(null));
        long millis = Math.max(0, Duration.between(now, expires).toMillis());
        if (millis > 0 && mode == Mode.BOTH) {
            near.put(entryKey, entry);
        }
        String value = "";
        if (millis > 0) {
            try {
                value = epoch + ":" + generation + "|" + json.writeValueAsString(new Stored(tenant, expires,
                        loaded.value().map(json::<JsonNode> valueToTree).orElse(null)));
            } catch (JsonProcessingException | RuntimeException e) {
                LOG.warnf("campaigns cache: %s not written to Redis: %s", entryKey, e.getMessage());
                millis = 0;
            }
        }
        write(generationKey, entryKey, lease, generation, value, millis, token);
        return entry;
    }

    private void write(String generationKey, String entryKey, String lease, String generation, String value, long millis,
            String token) {
        if (millis == 0 && token.isEmpty()) {
            return;
        }
        try {
            redis.command("EVAL", WRITE, "3", generationKey, entryKey, lease, generation, value, Long.toString(millis), token);
        } catch (RuntimeException e) {
            LOG.debugf("campaigns cache: %s not written to Redis: %s", entryKey, e.getMessage());
        }
    }

    private Read read(String generationKey, String entryKey, String epoch, String token, String held) {
        Response r = redis.command("EVAL", READ, "3", generationKey, entryKey, leaseKey(entryKey),
                UUID.randomUUID().toString(), Long.toString(generationTtl().toMillis()), token,
                Long.toString(settings.lease().toMillis()), held, epoch);
        return new Read(r.get(0).toString(), r.get(1) == null ? null : r.get(1).toString(), r.get(2).toInteger() == 1);
    }

    /** The entry Redis answered, put into the near tier too; null if none, expired, another tenant's or unreadable. */
    private <T> Near parse(String tenant, String entryKey, String epoch, Read read, Class<T> type) {
        if (read.entry() == null) {
            return null;
        }
        String entry = read.entry();
        try {
            Stored stored = json.readValue(entry.substring(entry.indexOf('|') + 1), Stored.class);
            if (!tenant.equals(stored.tenant()) || !stored.expiresAt().isAfter(clock.instant())) {
                return null;
            }
            Near found = new Near(tenant, epoch, read.generation(), stored.expiresAt(),
                    stored.body() == null || stored.body().isNull() ? null : json.treeToValue(stored.body(), type));
            if (mode == Mode.BOTH) {
                near.put(entryKey, found);
            }
            return found;
        } catch (JsonProcessingException | IllegalArgumentException e) {
            LOG.warnf("campaigns cache: an unreadable entry of tenant %s ignored: %s", tenant, e.getMessage());
            return null;
        }
    }

    /**
     * Gives {@code tags} of {@code tenant} new generations: no entry that depends on one of them is
     * read again, here at once, elsewhere within {@code revalidate}. Throws if Redis cannot be
     * reached (the consumer's message then comes back).
     */
    public void invalidate(String tenant, Collection<String> tags) {
        List<String> keys = tags.stream().distinct().map(tag -> generationKey(tenant, tag)).toList();
        if (keys.isEmpty()) {
            return;
        }
        List<String> args = new ArrayList<>(List.of(INVALIDATE, Integer.toString(keys.size())));
        args.addAll(keys);
        args.add(Long.toString(generationTtl().toMillis()));
        keys.forEach(k -> args.add(UUID.randomUUID().toString()));
        try {
            recoverIfNeeded();
            redis.command("EVAL", args.toArray(String[]::new));
        } catch (RuntimeException e) {
            redis.lost();
            changes.incrementAndGet();
            generations.invalidateAll(keys); // this process knows of the change: it trusts nothing of it until Redis does
            throw e;
        }
        changes.incrementAndGet();
        generations.invalidateAll(keys);
    }

    /**
     * Gives every entry of every tenant a new epoch: for a change whose message does not say which
     * reads it made stale (a version 1 CampaignsChanged, from before a deployment).
     */
    public void invalidateEverything() {
        redis.command("SET", EPOCH, UUID.randomUUID().toString());
        changes.incrementAndGet();
        epoch = null;
        generations.invalidateAll();
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
            epoch = null;
            generations.invalidateAll();
            LOG.info("campaigns cache: Redis answers again after a failure; every entry from before is dropped (a new epoch)");
        }
    }

    /**
     * The epoch, from this process if it asked Redis less than {@code revalidate} ago and nothing
     * failed since; throws if Redis cannot be asked (then nothing cached is served).
     */
    private String epoch(Instant now) {
        Checked known = epoch;
        if (known != null && known.checkedAt().plus(settings.revalidate()).isAfter(now) && !redis.failedSinceTrusted()) {
            return known.value();
        }
        recoverIfNeeded();
        long seen = changes.get();
        Response value = redis.command("GET", EPOCH);
        String current;
        if (value != null) {
            current = value.toString();
        } else { // none yet (or Redis lost it): whoever sets one first wins
            String fresh = UUID.randomUUID().toString();
            current = redis.command("SET", EPOCH, fresh, "NX") != null ? fresh : redis.command("GET", EPOCH).toString();
        }
        if (changes.get() == seen) {
            epoch = new Checked(current, now);
        }
        return current;
    }

    /** Redis could not be asked: nothing this process knows of it is trusted until it answers again. */
    private void unavailable(RuntimeException e) {
        if (e instanceof org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException) {
            redis.lost(); // the breaker opened on failures: what Redis holds is not to be trusted when it closes
        }
        epoch = null;
        LOG.debugf("campaigns cache %x: Redis not reachable (%s); reading the database", System.identityHashCode(this),
                e.getMessage());
    }

    /** A generation lapses after this (the next read sets a new one: a miss, never a stale read). */
    private Duration generationTtl() {
        return settings.ttl().multipliedBy(60);
    }

    private static String generationKey(String tenant, String tag) {
        return prefix(tenant) + "generation:" + tag;
    }

    private static String leaseKey(String entryKey) {
        return entryKey.replaceFirst(":entry:", ":lease:");
    }

    /** Every key of a tenant in one hash slot (the braces), so that a script may touch several. */
    private static String prefix(String tenant) {
        return "campaigns:{" + URLEncoder.encode(tenant, StandardCharsets.UTF_8) + "}:";
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
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
