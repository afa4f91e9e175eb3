package io.sagaline.platform.http;

import java.util.Map;
import java.util.Optional;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;

/** One API Gateway v2 request as an operation sees it: its caller known, body parsed on demand. */
public final class HttpRequest {

    private final APIGatewayV2HTTPEvent event;
    private final Principal principal;
    private final RequestBodies bodies;

    HttpRequest(APIGatewayV2HTTPEvent event, Principal principal, RequestBodies bodies) {
        this.event = event;
        this.principal = principal;
        this.bodies = bodies;
    }

    public String tenant() {
        return principal.tenant();
    }

    /** The caller: its key's id, tenant and scopes. */
    public Principal principal() {
        return principal;
    }

    /** API Gateway's id of this request (the local gateway's, on a laptop). */
    public String requestId() {
        return requestId(event);
    }

    /** Who makes this request, as the audit log records it. */
    public io.sagaline.platform.audit.AuditLog.Actor actor() {
        return io.sagaline.platform.audit.AuditLog.Actor.apiKey(principal.tenant(), principal.keyId(), requestId());
    }

    static String requestId(APIGatewayV2HTTPEvent event) {
        return event.getRequestContext() == null ? null : event.getRequestContext().getRequestId();
    }

    public String pathParameter(String name) {
        Map<String, String> params = event.getPathParameters();
        String value = params == null ? null : params.get(name);
        if (value == null || value.isBlank()) {
            throw ApiException.badRequest(name, "path parameter is required");
        }
        if (value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw ApiException.badRequest(name, "path parameter must not contain control characters");
        }
        return value;
    }

    /** A query string parameter, if given (once). */
    public Optional<String> queryParameter(String name) {
        Map<String, String> params = event.getQueryStringParameters();
        String value = params == null ? null : params.get(name);
        if (value != null && value.contains(",")) {
            throw ApiException.badRequest(name, "give the query parameter once");
        }
        return Optional.ofNullable(value);
    }

    /** A listing's page size: query parameter {@code limit}, 1 to {@code max}, {@code defaultLimit} if not given; else 400. */
    public int limit(int defaultLimit, int max) {
        return integer("limit", 1, max).orElse(defaultLimit);
    }

    /** Query parameter {@code name} as an integer from {@code min} to {@code max}, if given; 400 naming it otherwise. */
    public Optional<Integer> integer(String name, int min, int max) {
        Optional<String> value = queryParameter(name);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        try {
            int n = Integer.parseInt(value.get());
            if (n >= min && n <= max) {
                return Optional.of(n);
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw ApiException.badRequest(name, "must be an integer from " + min + " to " + max);
    }

    public Optional<String> header(String name) {
        return Optional.ofNullable(HttpApi.header(event, name));
    }

    /** The JSON body as {@code type}, validated; any problem with it is a 4xx naming the field. */
    public <T> T body(Class<T> type) {
        return bodies.read(event, type);
    }

    /** The body as a JSON Merge Patch (RFC 7396), read as strictly as {@link #body}. */
    public RequestBodies.MergePatch mergePatch() {
        return bodies.mergePatch(event);
    }
}
