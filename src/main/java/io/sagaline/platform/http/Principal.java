package io.sagaline.platform.http;

import java.util.Map;
import java.util.Set;

/**
 * Who a request is: the API key (its id, never the key itself), the tenant it belongs to and the
 * scopes it carries. The authorizer decides it once per request (at API Gateway in AWS, in the local
 * gateway on a laptop) and hands it to the function in the request's authorizer context.
 */
public record Principal(String keyId, String tenant, Set<String> scopes, RateLimiter.Limit rateLimit,
        java.time.Instant expiresAt, String tokenId) {

    /** The authorizer context's fields (API Gateway passes strings through; scopes space-separated, as OAuth writes them). */
    public static final String KEY_ID = "keyId";
    public static final String TENANT = "tenant";
    public static final String SCOPES = "scopes";
    /** The key's own rate limit, {@code "<per second>/<burst>"}; absent: the default. */
    public static final String RATE_LIMIT = "rateLimit";
    /**
     * When the key stops being valid (its expiry, or its rotation's overlap), ISO-8601; absent: not
     * before it is revoked. API Gateway reuses an answer for a minute: the function refuses past it.
     */
    public static final String EXPIRES_AT = "expiresAt";
    /** The short-lived token the request presented instead of its key (its {@code jti}); absent: the key itself. */
    public static final String TOKEN_ID = "tokenId";
    /** Set instead of the others when the key was refused: the function answers 401 problem+json. */
    public static final String REFUSED = "refused";

    public Principal {
        scopes = Set.copyOf(scopes);
    }

    /** A key presented itself. */
    public Principal(String keyId, String tenant, Set<String> scopes, RateLimiter.Limit rateLimit,
            java.time.Instant expiresAt) {
        this(keyId, tenant, scopes, rateLimit, expiresAt, null);
    }

    /** {@code end}, or this principal's own end if that comes first: nothing it makes outlives it. */
    public java.time.Instant capped(java.time.Instant end) {
        return expiresAt != null && expiresAt.isBefore(end) ? expiresAt : end;
    }

    public boolean may(String scope) {
        return scopes.contains(scope);
    }

    /** The authorizer context that carries this principal. */
    public Map<String, Object> context() {
        Map<String, Object> context = new java.util.LinkedHashMap<>(
                Map.of(KEY_ID, keyId, TENANT, tenant, SCOPES, String.join(" ", scopes.stream().sorted().toList())));
        if (rateLimit != null) {
            context.put(RATE_LIMIT, rateLimit.text());
        }
        if (expiresAt != null) {
            context.put(EXPIRES_AT, expiresAt.toString());
        }
        if (tokenId != null) {
            context.put(TOKEN_ID, tokenId);
        }
        return Map.copyOf(context);
    }
}
