package io.sagaline.access;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import org.jboss.logging.Logger;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.databind.JsonNode;

import io.sagaline.platform.http.ApiException;
import io.sagaline.platform.http.Instants;

/**
 * An operator's command on the API keys (README, "API keys"), invoked by name:
 * <ul>
 * <li>{@code {"action": "create", "tenant", "name", "scopes": [...], "expiresAt"?, "ratePerSecond"?, "burst"?}} -> the
 * key, shown this once (its own rate limit if both are given, else the default);</li>
 * <li>{@code {"action": "list", "tenant"}} -> the tenant's keys, without the keys;</li>
 * <li>{@code {"action": "rotate", "keyId", "overlapSeconds"?}} -> a new key; the old one is valid
 * for the overlap (a day unless given, at most 30 days);</li>
 * <li>{@code {"action": "revoke", "keyId"}} -> refused from now on.</li>
 * </ul>
 * A bad command fails the invocation with a message naming the field.
 */
@Named("manage-api-keys")
public class ManageApiKeysFunction implements RequestHandler<JsonNode, Object> {

    private static final Logger LOG = Logger.getLogger(ManageApiKeysFunction.class);
    static final Duration DEFAULT_OVERLAP = Duration.ofDays(1);

    @Inject
    ApiKeys keys;

    @Override
    public Object handleRequest(JsonNode command, Context context) {
        try {
            String action = text(command, "action");
            String requestId = context == null ? null : context.getAwsRequestId();
            Object result = switch (action) {
                case "create" -> keys.create(requestId, text(command, "tenant"), text(command, "name"), scopes(command),
                        command.hasNonNull("expiresAt") ? Optional.of(Instants.parse("expiresAt", text(command, "expiresAt")))
                                : Optional.<Instant> empty(),
                        rateLimit(command));
                case "list" -> java.util.Map.of("keys", keys.list(requestId, text(command, "tenant")));
                case "rotate" -> keys.rotate(requestId, text(command, "keyId"), command.hasNonNull("overlapSeconds")
                        ? Duration.ofSeconds(number(command, "overlapSeconds"))
                        : DEFAULT_OVERLAP);
                case "revoke" -> keys.revoke(requestId, text(command, "keyId"));
                default -> throw ApiException.badRequest("action", "must be create, list, rotate or revoke");
            };
            LOG.infof("api keys: %s done%s", action, command.hasNonNull("keyId") ? " for key " + command.get("keyId").asText()
                    : command.hasNonNull("tenant") ? " for tenant " + command.get("tenant").asText() : "");
            return result;
        } catch (ApiException e) {
            String fields = e.problem(null).errors().isEmpty() ? "" : e.problem(null).errors().toString();
            throw new IllegalArgumentException(e.getMessage() + " " + fields, e);
        }
    }

    private static String text(JsonNode command, String field) {
        JsonNode value = command == null ? null : command.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw ApiException.badRequest(field, "is required (a string)");
        }
        return value.asText();
    }

    private static long number(JsonNode command, String field) {
        JsonNode value = command.get(field);
        if (!value.canConvertToLong() || !value.isIntegralNumber()) {
            throw ApiException.badRequest(field, "must be a whole number of seconds");
        }
        return value.asLong();
    }

    private static Optional<io.sagaline.platform.http.RateLimiter.Limit> rateLimit(JsonNode command) {
        boolean rate = command.hasNonNull("ratePerSecond");
        boolean burst = command.hasNonNull("burst");
        if (rate != burst) {
            throw ApiException.badRequest(rate ? "burst" : "ratePerSecond",
                    "give ratePerSecond and burst together, or neither");
        }
        if (!rate) {
            return Optional.empty();
        }
        JsonNode r = command.get("ratePerSecond");
        JsonNode b = command.get("burst");
        if (!r.isNumber() || !(r.asDouble() > 0) || r.asDouble() > 100_000) {
            throw ApiException.badRequest("ratePerSecond", "must be a number above 0 and at most 100000");
        }
        if (!b.isIntegralNumber() || b.asLong() < 1 || b.asLong() > 1_000_000) {
            throw ApiException.badRequest("burst", "must be a whole number from 1 to 1000000");
        }
        return Optional.of(new io.sagaline.platform.http.RateLimiter.Limit(r.asDouble(), b.asInt()));
    }

    private static List<String> scopes(JsonNode command) {
        JsonNode value = command.get("scopes");
        if (value == null || !value.isArray()) {
            throw ApiException.badRequest("scopes", "is required (an array of scopes)");
        }
        List<String> scopes = new ArrayList<>();
        value.forEach(s -> scopes.add(s.asText()));
        return scopes;
    }
}
