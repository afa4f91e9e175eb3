package io.sagaline.access;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagaline.platform.crypto.SigningKeys;
import io.sagaline.platform.http.Principal;

/**
 * The decision of the HTTP API's Lambda authorizer, as a simple response (payload 2.0): a valid
 * key's principal in the context; for a key that is unknown, revoked or past its overlap, a
 * context that says so, so that the function answers 401 in problem+json as the contract says
 * (an HTTP API cannot shape the body of a refusal of its own: {@code isAuthorized: false} would be
 * API Gateway's bare 403). The route's scope is checked by the function, which knows its route.
 */
@ApplicationScoped
public class ApiKeyAuthorizer {

    private final ApiKeys keys;
    private final Tokens tokens;

    ApiKeyAuthorizer(ApiKeys keys, Tokens tokens) {
        this.keys = keys;
        this.tokens = tokens;
    }

    /** A key, or a short-lived token made from one (presented in the same header). */
    public Map<String, Object> decide(String presentedKey) {
        Map<String, Object> context = (SigningKeys.looksLikeToken(presentedKey) ? tokens.authenticate(presentedKey)
                : keys.authenticate(presentedKey)).map(Principal::context)
                .orElse(Map.of(Principal.REFUSED, "true"));
        return Map.of("isAuthorized", true, "context", context);
    }
}
