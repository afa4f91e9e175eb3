package io.sagaline.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagaline.platform.Catalog;
import io.sagaline.platform.Ids;
import io.sagaline.platform.Reactive;
import io.sagaline.platform.audit.AuditLog;
import io.sagaline.platform.http.ApiException;
import io.sagaline.platform.http.Principal;
import io.sagaline.platform.http.RateLimiter;
import io.smallrye.mutiny.Uni;

/**
 * The API keys: made, listed, rotated and revoked by an operator ({@code manage-api-keys}), checked
 * by the authorizer ({@code authorize-api-key}). A key is {@code sgl_} and 256 random bits,
 * shown once when it is made; only its SHA-256 is kept (a key that random needs no slow hash: there
 * is nothing to guess), with its first characters for an operator to recognise it.
 * <p>
 * A rotation makes a new key with the same tenant, name and scopes; the old one stays valid for
 * the overlap, then is refused. A revoked key is refused at once here (API Gateway may still
 * answer from its authorizer cache for {@code resultTtlSeconds}).
 */
@ApplicationScoped
public class ApiKeys {

    static final String KEY_PREFIX = "sgl_";
    /** The longest overlap a rotation may give: long enough to roll a key out, short enough that two live keys are rare. */
    static final Duration MAX_OVERLAP = Duration.ofDays(30);
    private static final Pattern TENANT = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final int SHOWN_PREFIX = 8;

    /** A key just made: the only time {@code apiKey} is shown. */
    public record Issued(String keyId, String tenant, String name, List<String> scopes, String rateLimit, String apiKey,
            Instant createdAt, Instant expiresAt, String replaces) {
    }

    /** A key as an operator sees it: never the key, its first characters only. */
    public record Listed(String keyId, String tenant, String name, List<String> scopes, String rateLimit, String keyPrefix,
            String status, Instant createdAt, Instant expiresAt, Instant revokedAt, String replacedBy) {
    }

    private final Clock clock;
    private final Set<String> knownScopes;
    private final AuditLog audit;
    private final SecureRandom random = new SecureRandom();

    ApiKeys(Clock clock, Catalog catalog, AuditLog audit) {
        this.clock = clock;
        this.audit = audit;
        this.knownScopes = Set.copyOf(catalog.scopes().keySet());
    }

    public Set<String> knownScopes() {
        return knownScopes;
    }

    /**
     * A new key of {@code tenant} with {@code scopes}, valid until {@code expiresAt} (empty: until
     * revoked). Each operation is audited in its transaction, as the operator's command
     * {@code requestId} (the invocation's id).
     */
    public Issued create(String requestId, String tenant, String name, Collection<String> scopes, Optional<Instant> expiresAt,
            Optional<RateLimiter.Limit> rateLimit) {
        if (tenant == null || !TENANT.matcher(tenant).matches()) {
            throw ApiException.badRequest("tenant",
                    "must be 1-63 lower-case letters, digits or '-', starting with a letter or digit");
        }
        if (name == null || name.isBlank() || name.length() > 200) {
            throw ApiException.badRequest("name",
                    "must be 1-200 characters: what the key is for, for whoever lists keys later");
        }
        String granted = scopes(scopes);
        OffsetDateTime now = now();
        if (expiresAt.isPresent() && !expiresAt.get().isAfter(now.toInstant())) {
            throw ApiException.badRequest("expiresAt", "must be in the future");
        }
        String key = newKey();
        ApiKey k = new ApiKey();
        k.id = UUID.randomUUID();
        k.tenant = tenant;
        k.name = name;
        k.scopes = granted;
        holding(k, key);
        k.createdAt = now;
        k.expiresAt = expiresAt.map(e -> e.atOffset(ZoneOffset.UTC)).orElse(null);
        limited(k, rateLimit);
        Reactive.inTransaction(() -> k.persist().chain(() -> audited(requestId, k.tenant, "create", k.id)));
        return issued(k, key, null);
    }

    /** The keys of {@code tenant}, oldest first. */
    public List<Listed> list(String requestId, String tenant) {
        OffsetDateTime now = now();
        return Reactive.inTransaction(() -> ApiKey.<ApiKey> find("tenant = ?1 order by createdAt, id", tenant).list()
                .call(() -> audited(requestId, tenant, "list", null)))
                .stream().map(k -> listed(k, now)).toList();
    }

    /**
     * A new key in place of {@code keyId}, with its tenant, name and scopes; the old key stays valid
     * for {@code overlap} (at most {@link #MAX_OVERLAP}), then is refused.
     */
    public Issued rotate(String requestId, String keyId, Duration overlap) {
        if (overlap.isNegative() || overlap.compareTo(MAX_OVERLAP) > 0) {
            throw ApiException.badRequest("overlapSeconds", "must be between 0 and " + MAX_OVERLAP.toSeconds());
        }
        UUID id = Ids.uuid(keyId).orElseThrow(() -> ApiException.notFound("api key", keyId));
        String key = newKey();
        ApiKey fresh = new ApiKey();
        return Reactive.inTransaction(() -> ApiKey.<ApiKey> find("id", id)
                .withLock(jakarta.persistence.LockModeType.PESSIMISTIC_WRITE).firstResult().chain(old -> {
                    OffsetDateTime now = now();
                    if (old == null) {
                        throw ApiException.notFound("api key", keyId);
                    }
                    String status = status(old, now);
                    if (!status.equals("active")) {
                        throw new ApiException(409, "conflict", "Conflict", "api key " + keyId + " is " + status
                                + (old.replacedBy != null ? " (replaced by " + old.replacedBy + ")" : "")
                                + ": only an active key can be rotated", List.of());
                    }
                    fresh.id = UUID.randomUUID();
                    fresh.tenant = old.tenant;
                    fresh.name = old.name;
                    fresh.scopes = old.scopes;
                    holding(fresh, key);
                    fresh.createdAt = now;
                    fresh.expiresAt = old.expiresAt;
                    fresh.ratePerSecond = old.ratePerSecond;
                    fresh.rateBurst = old.rateBurst;
                    OffsetDateTime overlapEnds = now.plus(overlap);
                    old.expiresAt = old.expiresAt == null || overlapEnds.isBefore(old.expiresAt) ? overlapEnds : old.expiresAt;
                    return fresh.persist().chain(ignored -> {
                        old.replacedBy = fresh.id;
                        return audited(requestId, old.tenant, "rotate", old.id)
                                .chain(() -> audited(requestId, fresh.tenant, "create", fresh.id))
                                .replaceWith(issued(fresh, key, old.id.toString()));
                    });
                }));
    }

    /** Refuses {@code keyId} from now on. Revoking a revoked key changes nothing. */
    public Listed revoke(String requestId, String keyId) {
        UUID id = Ids.uuid(keyId).orElseThrow(() -> ApiException.notFound("api key", keyId));
        return Reactive.inTransaction(() -> ApiKey.<ApiKey> find("id", id)
                .withLock(jakarta.persistence.LockModeType.PESSIMISTIC_WRITE).firstResult().chain(k -> {
                    if (k == null) {
                        throw ApiException.notFound("api key", keyId);
                    }
                    OffsetDateTime now = now();
                    if (k.revokedAt == null) {
                        k.revokedAt = now;
                    }
                    return audited(requestId, k.tenant, "revoke", k.id).replaceWith(listed(k, now));
                }));
    }

    /** The audit entry of an operator's {@code action} on key {@code keyId} (null: the tenant's keys). */
    private Uni<Void> audited(String requestId, String tenant, String action, UUID keyId) {
        return audit.record(AuditLog.Actor.operator(tenant, requestId), "manage-api-keys." + action,
                keyId == null ? "api-keys" : "api-keys/" + keyId, AuditLog.Outcome.SUCCEEDED);
    }

    /** Who {@code presented} is, if it is a key that is valid now. */
    public Optional<Principal> authenticate(String presented) {
        if (presented == null || presented.isEmpty() || presented.length() > 200) {
            return Optional.empty();
        }
        byte[] hash = hash(presented);
        ApiKey k = Reactive.inTransaction(() -> ApiKey.<ApiKey> find("keyHash = ?1", hash).firstResult());
        if (k == null || !MessageDigest.isEqual(k.keyHash, hash)) {
            return Optional.empty();
        }
        return principal(k);
    }

    /** The principal of key {@code keyId} if it is valid now (a token's key must still be). */
    public Optional<Principal> valid(String keyId) {
        Optional<UUID> id = Ids.uuid(keyId);
        if (id.isEmpty()) {
            return Optional.empty();
        }
        ApiKey k = Reactive.inTransaction(() -> ApiKey.<ApiKey> findById(id.get()));
        return k == null ? Optional.empty() : principal(k);
    }

    private Optional<Principal> principal(ApiKey k) {
        OffsetDateTime now = now();
        if (!status(k, now).equals("active") && !status(k, now).equals("rotating")) {
            return Optional.empty();
        }
        return Optional.of(new Principal(k.id.toString(), k.tenant, new java.util.HashSet<>(List.of(k.scopes.split(" "))),
                limit(k), k.expiresAt == null ? null : k.expiresAt.toInstant()));
    }

    /**
     * Makes sure {@code key} (a fixed key from configuration: the local demo keys) exists for
     * {@code tenant} with every scope, whatever it had before.
     */
    public void seed(String key, String tenant, Optional<RateLimiter.Limit> rateLimit) {
        UUID id = UUID.nameUUIDFromBytes(("seed:" + key).getBytes(StandardCharsets.UTF_8));
        String all = String.join(" ", new TreeSet<>(knownScopes));
        Reactive.inTransaction(() -> ApiKey.<ApiKey> findById(id).chain(k -> {
            ApiKey seeded = k == null ? new ApiKey() : k;
            seeded.id = id;
            seeded.tenant = tenant;
            seeded.name = "configured key (sagaline.access.seed-keys)";
            seeded.scopes = all;
            holding(seeded, key);
            seeded.createdAt = k == null ? now() : k.createdAt;
            seeded.expiresAt = null;
            seeded.revokedAt = null;
            seeded.replacedBy = null;
            limited(seeded, rateLimit);
            return k == null ? seeded.persist().replaceWith(seeded) : Uni.createFrom().item(seeded);
        }));
    }

    private String scopes(Collection<String> scopes) {
        if (scopes == null || scopes.isEmpty()) {
            throw ApiException.badRequest("scopes", "name at least one scope of " + new TreeSet<>(knownScopes));
        }
        TreeSet<String> granted = new TreeSet<>();
        for (String scope : scopes) {
            if (!knownScopes.contains(scope)) {
                throw ApiException.badRequest("scopes",
                        "'" + scope + "' is not a scope; the scopes are " + new TreeSet<>(knownScopes));
            }
            granted.add(scope);
        }
        return String.join(" ", granted);
    }

    /** active, rotating (replaced, still valid in its overlap), expired or revoked. */
    private static String status(ApiKey k, OffsetDateTime now) {
        if (k.revokedAt != null) {
            return "revoked";
        }
        if (k.expiresAt != null && !k.expiresAt.isAfter(now)) {
            return "expired";
        }
        return k.replacedBy != null ? "rotating" : "active";
    }

    /** What {@code k} keeps of {@code key}: its hash and its first characters, never the key. */
    private static void holding(ApiKey k, String key) {
        k.keyHash = hash(key);
        k.keyPrefix = key.substring(0, Math.min(key.length(), KEY_PREFIX.length() + SHOWN_PREFIX));
    }

    /** {@code k}'s own rate limit, or none (the default). */
    private static void limited(ApiKey k, Optional<RateLimiter.Limit> rateLimit) {
        k.ratePerSecond = rateLimit.map(l -> java.math.BigDecimal.valueOf(l.rate())).orElse(null);
        k.rateBurst = rateLimit.map(RateLimiter.Limit::burst).orElse(null);
    }

    /** The key's own limit, or null for the default. */
    private static RateLimiter.Limit limit(ApiKey k) {
        return k.ratePerSecond == null || k.rateBurst == null ? null
                : new RateLimiter.Limit(k.ratePerSecond.doubleValue(), k.rateBurst);
    }

    private static String limitText(ApiKey k) {
        RateLimiter.Limit limit = limit(k);
        return limit == null ? "default" : limit.text();
    }

    private static Issued issued(ApiKey k, String key, String replaces) {
        return new Issued(k.id.toString(), k.tenant, k.name, List.of(k.scopes.split(" ")), limitText(k), key,
                k.createdAt.toInstant(),
                k.expiresAt == null ? null : k.expiresAt.toInstant(), replaces);
    }

    private static Listed listed(ApiKey k, OffsetDateTime now) {
        return new Listed(k.id.toString(), k.tenant, k.name, List.of(k.scopes.split(" ")), limitText(k), k.keyPrefix + "…",
                status(k, now),
                k.createdAt.toInstant(), k.expiresAt == null ? null : k.expiresAt.toInstant(),
                k.revokedAt == null ? null : k.revokedAt.toInstant(), k.replacedBy == null ? null : k.replacedBy.toString());
    }

    private String newKey() {
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        return KEY_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    static byte[] hash(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private OffsetDateTime now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
    }
}
