package io.sagaline.access;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.nimbusds.jwt.JWTClaimsSet;

import io.sagaline.platform.audit.AuditLog;
import io.sagaline.platform.crypto.SigningKeys;
import io.sagaline.platform.http.ApiException;
import io.sagaline.platform.http.Principal;

/**
 * Short-lived tokens (README, "Security"): a key exchanges itself ({@code POST /tokens}) for a
 * JWT signed with the platform's key ({@link SigningKeys}), carrying some of its scopes, for a
 * client that should not hold the key. A token is presented where a key is ({@code x-api-key}); it
 * is valid until it expires and only while its key is: revoking the key, or the end of its
 * rotation's overlap, refuses its tokens too. A token cannot be exchanged for another.
 */
@ApplicationScoped
public class Tokens {

    static final String TYPE = "sagaline-access+jwt";
    static final String AUDIENCE = "sagaline-api";
    static final String EXCHANGE_SCOPE = "tokens:write";
    static final Duration DEFAULT_TTL = Duration.ofMinutes(15);
    static final Duration MAX_TTL = Duration.ofHours(1);

    /** A token just made. */
    public record Issued(String token, String tokenType, String tokenId, List<String> scopes, Instant expiresAt) {
    }

    private final SigningKeys signing;
    private final ApiKeys keys;
    private final AuditLog audit;
    private final Clock clock;

    Tokens(@jakarta.inject.Named(io.sagaline.platform.crypto.SigningKeysProducer.TOKENS) SigningKeys signing, ApiKeys keys,
            AuditLog audit, Clock clock) {
        this.signing = signing;
        this.keys = keys;
        this.audit = audit;
        this.clock = clock;
    }

    public Issued exchange(Principal key, AuditLog.Actor by, Collection<String> scopes, Optional<Long> ttlSeconds) {
        if (key.tokenId() != null) {
            throw new ApiException(403, "forbidden", "Forbidden", "a token cannot be exchanged for another; present the key");
        }
        if (scopes == null || scopes.isEmpty()) {
            throw ApiException.badRequest("scopes", "name at least one of this key's scopes");
        }
        Set<String> granted = new TreeSet<>(scopes);
        for (String scope : granted) {
            if (scope.equals(EXCHANGE_SCOPE) || !key.may(scope)) {
                throw ApiException.badRequest("scopes", "'" + scope + "' is not a scope this key may give a token (it has "
                        + new TreeSet<>(key.scopes()) + "; never " + EXCHANGE_SCOPE + ")");
            }
        }
        long ttl = ttlSeconds.orElse(DEFAULT_TTL.toSeconds());
        if (ttl < 60 || ttl > MAX_TTL.toSeconds()) {
            throw ApiException.badRequest("expiresInSeconds", "must be from 60 to " + MAX_TTL.toSeconds());
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant expires = key.capped(now.plusSeconds(ttl)).truncatedTo(ChronoUnit.SECONDS);
        String id = UUID.randomUUID().toString();
        String token = signing.sign(TYPE, new JWTClaimsSet.Builder().issuer(SigningKeys.ISSUER).audience(AUDIENCE)
                .subject(key.keyId()).claim("tnt", key.tenant()).claim("scope", String.join(" ", granted)).jwtID(id)
                .issueTime(Date.from(now)).expirationTime(Date.from(expires)).build());
        audit.recordAlone(by, "create-token", "tokens/" + id, AuditLog.Outcome.SUCCEEDED);
        return new Issued(token, "Bearer", id, List.copyOf(granted), expires);
    }

    /** Who {@code token} is, if it is one of ours, unexpired, for this API, and its key is still valid. */
    public Optional<Principal> authenticate(String token) {
        Optional<JWTClaimsSet> verified = signing.verify(token, TYPE, clock);
        if (verified.isEmpty() || verified.get().getAudience() == null || !verified.get().getAudience().contains(AUDIENCE)) {
            return Optional.empty();
        }
        JWTClaimsSet claims = verified.get();
        Object scope = claims.getClaim("scope");
        Object tenant = claims.getClaim("tnt");
        if (!(scope instanceof String s) || !(tenant instanceof String t) || claims.getJWTID() == null) {
            return Optional.empty();
        }
        return keys.valid(claims.getSubject()).filter(k -> k.tenant().equals(t)).map(k -> {
            Set<String> scopes = new HashSet<>(List.of(s.split(" ")));
            scopes.retainAll(k.scopes());
            return new Principal(k.keyId(), k.tenant(), scopes, k.rateLimit(),
                    k.capped(claims.getExpirationTime().toInstant()), claims.getJWTID());
        });
    }
}
