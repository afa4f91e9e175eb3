package io.sagaline.platform.http;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.sagaline.platform.observability.Metrics;
import io.sagaline.platform.observability.Telemetry;
import io.sagaline.platform.observability.Traces;

/**
 * The adapter every HTTP function goes through: takes who the caller is from the authorizer's
 * context (API Gateway's Lambda authorizer in AWS, the local gateway's call of the same function on
 * a laptop), refuses a key the authorizer refused (401) or one without the route's scope (403),
 * runs the operation, and answers in the API Gateway v2 response shape. Every failure becomes
 * problem+json; only a bug becomes a 500.
 */
@ApplicationScoped
public class HttpApi {

    private static final Logger LOG = Logger.getLogger(HttpApi.class);

    @FunctionalInterface
    public interface Operation {
        HttpResult handle(HttpRequest request);
    }

    private final Map<String, String> scopeByRoute;
    private final Map<String, String> auditedRoutes;
    private final io.sagaline.platform.audit.AuditLog audit;
    private final java.util.Set<String> failingClosed;
    private final RateLimiter limiter;
    private final java.time.Clock clock;
    private final RequestBodies bodies;
    private final ObjectMapper json;
    private final Telemetry telemetry;
    private final Metrics metrics;

    HttpApi(io.sagaline.platform.Catalog catalog, RateLimiter limiter, java.time.Clock clock, RequestBodies bodies,
            ObjectMapper json, io.sagaline.platform.audit.AuditLog audit, Telemetry telemetry, Metrics metrics) {
        this.telemetry = telemetry;
        this.metrics = metrics;
        this.clock = clock;
        this.scopeByRoute = catalog.scopeByRoute();
        this.auditedRoutes = catalog.auditedRoutes();
        this.audit = audit;
        this.failingClosed = catalog.routesFailingClosed();
        this.limiter = limiter;
        this.bodies = bodies;
        this.json = json;
    }

    /**
     * The rate limit's headers for this request; 429 past the key's or the tenant's limit. If Redis
     * cannot be asked, a route that fails closed is 503 and any other goes on without the headers.
     */
    private Map<String, String> rateLimited(APIGatewayV2HTTPEvent event, Principal principal) {
        if (!limiter.enabled()) {
            return Map.of();
        }
        RateLimiter.Decision decision;
        try {
            decision = limiter.take(principal, java.util.Optional.ofNullable(principal.rateLimit()));
        } catch (RuntimeException e) {
            if (failingClosed.contains(event.getRouteKey())) {
                LOG.warnf("rate limit of %s not checked (%s): refused, as the route fails closed", event.getRouteKey(),
                        e.toString());
                throw new ApiException(503, "rate-limit-unavailable", "Service unavailable",
                        "the rate limit of this request cannot be checked now; send it again in a second", List.of(),
                        Map.of("Retry-After", "1"));
            }
            LOG.debugf("rate limit of %s not checked (%s): let through, as the route fails open", event.getRouteKey(),
                    e.toString());
            return Map.of();
        }
        if (!decision.allowed()) {
            throw new ApiException(429, "too-many-requests", "Too many requests", "this key or its tenant is past its rate "
                    + "limit; send it again in " + decision.retryAfterSeconds() + " s (RateLimit, RateLimit-Policy)",
                    List.of(), decision.headers());
        }
        return decision.headers();
    }

    /** The caller, as the authorizer decided; 401 without a valid key. */
    private Principal principal(APIGatewayV2HTTPEvent event) {
        Map<String, Object> context = event.getRequestContext() == null || event.getRequestContext().getAuthorizer() == null
                ? null
                : event.getRequestContext().getAuthorizer().getLambda();
        if (context == null || context.containsKey(Principal.REFUSED)
                || !(context.get(Principal.TENANT) instanceof String tenant)
                || !(context.get(Principal.KEY_ID) instanceof String keyId)) {
            throw new ApiException(401, "unauthorized", "Unauthorized",
                    "send a valid x-api-key header (this one is missing, unknown, revoked, or past its rotation's overlap;"
                            + " or a token that is expired, tampered with, or of a key no longer valid)");
        }
        Object scopes = context.get(Principal.SCOPES);
        java.time.Instant expiresAt = context.get(Principal.EXPIRES_AT) instanceof String e ? java.time.Instant.parse(e) : null;
        if (expiresAt != null && !clock.instant().isBefore(expiresAt)) {
            // the authorizer's answer is older than the key's end (API Gateway reuses it for a minute)
            throw new ApiException(401, "unauthorized", "Unauthorized",
                    "send a valid x-api-key header (this one expired, or its rotation's overlap ended, at " + expiresAt + ")");
        }
        Principal principal = new Principal(keyId, tenant,
                scopes instanceof String s && !s.isBlank() ? new java.util.HashSet<>(List.of(s.trim().split(" +")))
                        : java.util.Set.of(),
                RateLimiter.Limit.parse(context.get(Principal.RATE_LIMIT)).orElse(null), expiresAt,
                context.get(Principal.TOKEN_ID) instanceof String t ? t : null);
        return principal;
    }

    /**
     * 403 without the route's scope. Checked after the rate limit was taken, so that refusals,
     * which are audited on the routes of personal data, are metered like any request.
     */
    private void scoped(APIGatewayV2HTTPEvent event, Principal principal) {
        String needed = scopeByRoute.get(event.getRouteKey());
        if (needed == null) {
            throw new IllegalStateException("route " + event.getRouteKey() + " is not in the catalog: it has no scope");
        }
        if (!principal.may(needed)) {
            denied(event, principal);
            throw new ApiException(403, "forbidden", "Forbidden", "this API key (" + principal.keyId()
                    + ") does not have the scope " + needed + " that " + event.getRouteKey() + " needs");
        }
    }

    /**
     * Records a refusal of a route that handles personal data (or the audit log): who tried, on what.
     * The audit log is the record an auditor asks for; a refusal that cannot be recorded is still refused.
     */
    private void denied(APIGatewayV2HTTPEvent event, Principal principal) {
        String function = auditedRoutes.get(event.getRouteKey());
        if (function == null) {
            return;
        }
        String path = event.getRawPath() == null ? event.getRouteKey() : event.getRawPath();
        try {
            audit.recordAlone(io.sagaline.platform.audit.AuditLog.Actor.apiKey(principal.tenant(), principal.keyId(),
                    HttpRequest.requestId(event)), function, path.startsWith("/") ? path.substring(1) : path,
                    io.sagaline.platform.audit.AuditLog.Outcome.DENIED);
        } catch (RuntimeException e) {
            LOG.errorf("the refusal of %s to key %s is not in the audit log: %s", event.getRouteKey(), principal.keyId(),
                    e.toString());
        }
    }

    public APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, Operation operation) {
        return io.sagaline.platform.AsyncHandler
                .await(handleAsync(event, request -> CompletableFuture.completedFuture(operation.handle(request))));
    }

    /** An operation whose result may come later (a waiting read), holding no thread meanwhile. */
    @FunctionalInterface
    public interface AsyncOperation {
        CompletionStage<HttpResult> handle(HttpRequest request);
    }

    /**
     * As {@link #handle}, for an operation that answers later: the caller is authorised, limited
     * and scoped now; the answer, or its problem, when the operation's stage completes.
     */
    public CompletionStage<APIGatewayV2HTTPResponse> handleAsync(APIGatewayV2HTTPEvent event, AsyncOperation operation) {
        return traced(event, () -> {
            Principal principal = principal(event);
            MDC.put("tenant", principal.tenant());
            MDC.put("keyId", principal.keyId());
            Span.current().setAttribute("sagaline.tenant", principal.tenant());
            Map<String, String> limits = rateLimited(event, principal);
            CompletionStage<HttpResult> result;
            try {
                scoped(event, principal);
                result = operation.handle(new HttpRequest(event, principal, bodies));
            } catch (ApiException e) {
                return CompletableFuture.completedFuture(withHeaders(problem(event, e), limits));
            }
            return result.handle((answered, failure) -> {
                Throwable cause = io.sagaline.platform.AsyncHandler.cause(failure);
                if (cause instanceof ApiException e) {
                    return withHeaders(problem(event, e), limits);
                }
                if (cause instanceof RuntimeException e) {
                    throw e; // a bug: traced() answers 500
                }
                if (cause != null) {
                    throw new CompletionException(cause);
                }
                return withHeaders(answer(event, answered), limits);
            });
        });
    }

    /**
     * A route that takes no key (the catalog's {@code "public": true}: API Gateway calls no
     * authorizer for it): the operation authenticates what the request carries itself (a valet
     * link's signature). No key or tenant bucket applies: API Gateway's stage throttles the route in AWS.
     */
    public APIGatewayV2HTTPResponse handlePublic(APIGatewayV2HTTPEvent event, Operation operation) {
        return io.sagaline.platform.AsyncHandler.await(traced(event, () -> CompletableFuture
                .completedFuture(answer(event, operation.handle(new HttpRequest(event, null, bodies))))));
    }

    /**
     * One request, in its span (the child of the invocation's) and its logging context: the request
     * id, and the order when the path names one; every problem names the request; the answer is
     * counted by route and status.
     */
    private CompletionStage<APIGatewayV2HTTPResponse> traced(APIGatewayV2HTTPEvent event,
            java.util.function.Supplier<CompletionStage<APIGatewayV2HTTPResponse>> serve) {
        String requestId = HttpRequest.requestId(event);
        String route = event.getRouteKey() == null ? "-" : event.getRouteKey();
        String orderId = event.getPathParameters() == null ? null : event.getPathParameters().get("orderId");
        Span span = telemetry.tracer().spanBuilder(route).setParent(Traces.invocationParent())
                .setAttribute("http.route", route).setAttribute("aws.request_id", requestId == null ? "-" : requestId)
                .startSpan();
        if (orderId != null) {
            span.setAttribute("sagaline.order_id", orderId);
        }
        CompletionStage<APIGatewayV2HTTPResponse> served;
        Map<String, Object> logging = new HashMap<>();
        try (Scope ignored = span.makeCurrent()) {
            MDC.put("requestId", requestId == null ? "-" : requestId);
            if (orderId != null) {
                MDC.put("orderId", orderId);
            }
            try {
                served = serve.get();
            } catch (RuntimeException e) {
                served = CompletableFuture.failedFuture(e);
            }
        } finally {
            for (String key : List.of("requestId", "tenant", "keyId", "orderId")) {
                Object value = MDC.get(key);
                if (value != null) {
                    logging.put(key, value);
                }
                MDC.remove(key);
            }
        }
        return served.handle((answered, failure) -> {
            Throwable cause = io.sagaline.platform.AsyncHandler.cause(failure);
            APIGatewayV2HTTPResponse response = answered;
            // wherever the answer completes, what is logged about it names its request and trace
            logging.forEach(MDC::put);
            try (Scope ignored = span.makeCurrent()) {
                if (cause instanceof ApiException e) {
                    response = problem(event, e);
                } else if (cause != null) {
                    Telemetry.failed(span, cause);
                    response = unexpected(event, requestId, cause);
                }
                int status = response.getStatusCode();
                span.setAttribute("http.response.status_code", status);
                if (status >= 500) {
                    span.setStatus(StatusCode.ERROR);
                }
                metrics.responded(route, status);
                if (status == 429) {
                    String remaining = response.getHeaders() == null ? null : response.getHeaders().get("RateLimit");
                    metrics.rateLimited(remaining != null && remaining.contains("\"key\";r=0") ? "key" : "tenant");
                }
                return response;
            } finally {
                logging.keySet().forEach(MDC::remove);
                span.end();
                telemetry.endOfInvocation();
            }
        });
    }

    private APIGatewayV2HTTPResponse answer(APIGatewayV2HTTPEvent event, HttpResult result) {
        return result.tagged() ? tagged(event, result)
                : respond(result.status(), "application/json", result.headers(), result.body());
    }

    /** A bug: logged with the request's id, answered 500 naming it. */
    private APIGatewayV2HTTPResponse unexpected(APIGatewayV2HTTPEvent event, String requestId, Throwable e) {
        LOG.errorf(e, "unexpected failure of %s", event.getRouteKey());
        return problem(event, new ApiException(500, "internal-error", "Internal error",
                "the request failed unexpectedly; it has been logged as " + requestId));
    }

    /** Header lookup as API Gateway v2 delivers them: names lower-cased. */
    public static String header(APIGatewayV2HTTPEvent event, String name) {
        return header(event.getHeaders(), name);
    }

    /** {@code name} of {@code headers} (may be null), whatever its case. */
    public static String header(Map<String, String> headers, String name) {
        if (headers == null) {
            return null;
        }
        String value = headers.get(name);
        if (value != null) {
            return value;
        }
        for (Map.Entry<String, String> h : headers.entrySet()) {
            if (h.getKey().equalsIgnoreCase(name)) {
                return h.getValue();
            }
        }
        return null;
    }

    /**
     * A tagged answer: its ETag, {@code Cache-Control: no-cache} (a client may keep it, and asks
     * again with {@code If-None-Match}), and 304 with no body when a GET has the tag already.
     */
    private APIGatewayV2HTTPResponse tagged(APIGatewayV2HTTPEvent event, HttpResult result) {
        String body = serialised(result.body());
        String tag = ETags.ofJson(body);
        Map<String, String> headers = new HashMap<>(result.headers());
        headers.put("etag", tag);
        headers.put("cache-control", "no-cache");
        String method = event.getRequestContext() == null || event.getRequestContext().getHttp() == null ? null
                : event.getRequestContext().getHttp().getMethod();
        if (result.status() == 200 && "GET".equalsIgnoreCase(method)
                && ETags.noneMatchHits(header(event, "if-none-match"), tag)) {
            APIGatewayV2HTTPResponse response = new APIGatewayV2HTTPResponse();
            response.setStatusCode(304);
            response.setHeaders(headers);
            return response;
        }
        headers.put("content-type", "application/json");
        APIGatewayV2HTTPResponse response = new APIGatewayV2HTTPResponse();
        response.setStatusCode(result.status());
        response.setHeaders(headers);
        response.setBody(body);
        return response;
    }

    private String serialised(Object body) {
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response body not serialisable", e);
        }
    }

    private APIGatewayV2HTTPResponse problem(APIGatewayV2HTTPEvent event, ApiException e) {
        return respond(e.status(), "application/problem+json", e.headers(), e.problem(HttpRequest.requestId(event)));
    }

    private static APIGatewayV2HTTPResponse withHeaders(APIGatewayV2HTTPResponse response, Map<String, String> headers) {
        response.getHeaders().putAll(headers);
        return response;
    }

    private APIGatewayV2HTTPResponse respond(int status, String contentType, Map<String, String> extra, Object body) {
        Map<String, String> headers = new HashMap<>(extra);
        if (body != null) {
            headers.put("content-type", contentType);
        }
        APIGatewayV2HTTPResponse response = new APIGatewayV2HTTPResponse();
        response.setStatusCode(status);
        response.setHeaders(headers);
        response.setBody(body == null ? null : serialised(body));
        return response;
    }
}
