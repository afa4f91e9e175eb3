package io.sagaline.local;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.quarkus.arc.profile.IfBuildProfile;
import io.sagaline.platform.Catalog;
import io.sagaline.platform.http.Problem;
import io.sagaline.platform.observability.Traces;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * API Gateway (HTTP API) on the laptop: matches a request against the catalog's routes, builds
 * the payload format 2.0 event API Gateway would send, invokes the function in-process and
 * writes back the response it returns. Everything under {@code /q/} stays Quarkus's.
 */
@ApplicationScoped
@IfBuildProfile(anyOf = { "dev", "test" })
public class LocalGateway {

    private static final Logger LOG = Logger.getLogger(LocalGateway.class);
    /** API Gateway's own payload limit. */
    private static final long MAX_PAYLOAD_BYTES = 10L * 1024 * 1024;
    /** API Gateway HTTP API: "total combined size of request line and header values", 10,240 bytes. */
    private static final long MAX_REQUEST_LINE_AND_HEADERS = 10_240;
    private static final Set<String> TEXT_TYPES = Set.of("application/json", "application/problem+json", "text/plain",
            "application/x-www-form-urlencoded", "application/xml", "text/xml", "text/html");
    private static final DateTimeFormatter REQUEST_TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z",
            Locale.ENGLISH);

    record Route(Catalog.Function function, String method, Pattern pattern, List<String> parameters) {

        String routeKey() {
            return function.trigger().routeKey();
        }
    }

    private final LocalFunctions functions;
    private final ObjectMapper json;
    private final io.opentelemetry.api.trace.Tracer tracer;
    private final List<Route> routes;
    private final Catalog.Authorizer authorizer;
    /** API Gateway's cache of the authorizer's answers, per identity. */
    private final com.github.benmanes.caffeine.cache.Cache<String, Map<String, Object>> decisions;

    LocalGateway(LocalFunctions functions, ObjectMapper json, io.sagaline.platform.observability.Telemetry telemetry,
            @org.eclipse.microprofile.config.inject.ConfigProperty(name = "sagaline.local.authorizer.result-ttl") Optional<java.time.Duration> resultTtl) {
        this.functions = functions;
        this.json = json;
        this.tracer = telemetry.tracer();
        this.authorizer = functions.catalog().authorizer();
        this.decisions = com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(10_000)
                .expireAfterWrite(resultTtl.orElse(java.time.Duration.ofSeconds(authorizer.resultTtlSeconds()))).build();
        // As API Gateway chooses: a route without path variables before one with them
        // (GET /events/live before GET /events/{eventId}), a greedy variable last.
        this.routes = functions.catalog().functions().stream().filter(f -> f.trigger().isHttp()).map(LocalGateway::route)
                .sorted(java.util.Comparator.comparing((Route r) -> r.routeKey().contains("+}"))
                        .thenComparingInt(r -> r.parameters().size()))
                .toList();
    }

    static Route route(Catalog.Function function) {
        List<String> parameters = new ArrayList<>();
        Matcher m = Pattern.compile("\\{([^}+]+)(\\+?)}").matcher(function.trigger().path());
        StringBuilder regex = new StringBuilder("^");
        int last = 0;
        while (m.find()) {
            regex.append(Pattern.quote(function.trigger().path().substring(last, m.start())));
            regex.append(m.group(2).isEmpty() ? "([^/]+)" : "(.+)");
            parameters.add(m.group(1));
            last = m.end();
        }
        regex.append(Pattern.quote(function.trigger().path().substring(last))).append('$');
        return new Route(function, function.trigger().method(), Pattern.compile(regex.toString()), parameters);
    }

    public List<String> routeKeys() {
        return routes.stream().map(Route::routeKey).toList();
    }

    void install(@Observes Router router) {
        router.route().order(-1001).handler(this::begin);
        router.route().order(-1000).handler(this::withinApiGatewayLimits);
        router.routeWithRegex("^/(?!q/).*").handler(BodyHandler.create().setBodyLimit(MAX_PAYLOAD_BYTES))
                .handler(this::handle)
                .failureHandler(this::failed);
        // What the router itself refuses (a path it cannot decode, no route, a method no route
        // takes) is problem+json too, as every refusal of the API is.
        for (int status : new int[] { 400, 404, 405, 413, 414, 415, 431, 500 }) {
            router.errorHandler(status, this::failed);
        }
    }

    /** The request's id, as API Gateway gives each request one. */
    private static final String REQUEST_ID = "apigw-requestid";
    private static final String SPAN = "sagaline.gateway-span";
    private static final Logger ACCESS = Logger.getLogger("io.sagaline.access");

    /**
     * Before anything else, for the API (not {@code /q/}): the request gets its id, which every
     * answer carries in {@code apigw-requestid} as API Gateway's do, and its span (a caller's
     * {@code traceparent} or {@code X-Amzn-Trace-Id} is its parent); when the answer has been
     * written, one access line, as an API Gateway stage's access log has it.
     */
    private void begin(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        if (request.path().startsWith("/q/") || request.path().equals("/q")
                || (request.getHeader("x-amz-target") != null && request.path().equals("/"))
                || request.path().startsWith("/2015-03-31/") || request.path().equals("/Traces")
                || request.path().startsWith(LocalConsole.PATH)) {
            ctx.next(); // Quarkus's, the local AWS APIs (Step Functions, SQS, Lambda, X-Ray) or the console: not the HTTP API
            return;
        }
        String requestId = UUID.randomUUID().toString();
        long started = System.nanoTime();
        io.opentelemetry.context.Context parent = request.getHeader(Traces.TRACEPARENT) != null
                ? Traces.fromTraceparent(request.getHeader(Traces.TRACEPARENT))
                : Traces.fromXrayHeader(request.getHeader("x-amzn-trace-id"));
        Span span = tracer.spanBuilder(request.method().name()).setParent(parent).setSpanKind(SpanKind.SERVER)
                .setAttribute("http.request.method", request.method().name()).setAttribute("url.path", request.path())
                .setAttribute("aws.request_id", requestId).startSpan();
        ctx.put(REQUEST_ID, requestId);
        ctx.put(SPAN, span);
        ctx.response().putHeader(REQUEST_ID, requestId);
        ctx.addEndHandler(ended -> {
            int status = ctx.response().getStatusCode();
            Object route = ctx.get("sagaline.route");
            span.setAttribute("http.response.status_code", status);
            if (status >= 500) {
                span.setStatus(StatusCode.ERROR);
            }
            span.end();
            MDC.put("requestId", requestId);
            MDC.put("traceId", span.getSpanContext().getTraceId());
            MDC.put("spanId", span.getSpanContext().getSpanId());
            try {
                ACCESS.infof("method=%s path=%s route=\"%s\" status=%d ms=%d bytes=%d", request.method(), request.path(),
                        route == null ? "-" : route, status, (System.nanoTime() - started) / 1_000_000,
                        ctx.response().bytesWritten());
            } finally {
                MDC.remove("requestId");
                MDC.remove("traceId");
                MDC.remove("spanId");
            }
        });
        ctx.next();
    }

    /**
     * Before any route: a URI that cannot be parsed is 400 (Quarkus' own check, which answers with
     * no body, is off: {@code vertx.disableURIValidation}), and API Gateway's limit, request line
     * and headers together at most 10,240 bytes, is 431. The HTTP server's limits sit far above it
     * (1 MB), so that this refusal, not the server's bare one, is what a caller gets.
     */
    private void withinApiGatewayLimits(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String malformed = malformedUri(request.uri());
        if (malformed != null) {
            problem(ctx.response(), 400, "Bad request", "the request URI cannot be read: " + malformed);
            return;
        }
        long size = request.method().name().length() + request.uri().length() + 10;
        for (Map.Entry<String, String> header : request.headers()) {
            size += header.getKey().length() + header.getValue().length() + 4;
        }
        if (size > MAX_REQUEST_LINE_AND_HEADERS && !request.path().startsWith("/q/")) {
            problem(ctx.response(), 431, "Request header fields too large", "the request line and headers are " + size
                    + " bytes; API Gateway's limit is " + MAX_REQUEST_LINE_AND_HEADERS);
            return;
        }
        ctx.next();
    }

    /** Why {@code uri} is no URI (a broken percent-escape, a character no URI may hold), or null. */
    private static String malformedUri(String uri) {
        try {
            new java.net.URI(uri);
            return null;
        } catch (java.net.URISyntaxException e) {
            return e.getReason() + " at index " + e.getIndex();
        }
    }

    /**
     * A failure inside the gateway route, or a refusal of the router, is problem+json. (A body
     * over 10 MB is refused by the body handler, as API Gateway refuses it in AWS.)
     */
    private void failed(RoutingContext ctx) {
        if (ctx.response().ended()) {
            return;
        }
        String malformed = malformedUri(ctx.request().uri());
        if (malformed != null) {
            // A handler before ours (dev mode's access log) read the path and failed on it.
            problem(ctx.response(), 400, "Bad request", "the request URI cannot be read: " + malformed);
            return;
        }
        int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
        String detail = switch (status) {
            case 413 -> "the body is over API Gateway's limit of " + MAX_PAYLOAD_BYTES + " bytes";
            case 400 -> "the request could not be read: "
                    + (ctx.failure() == null ? "malformed request (a path or query it cannot decode?)"
                            : ctx.failure().getMessage());
            case 404 -> "no route for " + ctx.request().method() + " " + ctx.request().path();
            case 405 -> ctx.request().method() + " is not allowed on " + ctx.request().path();
            case 414, 431 -> "the request line or headers are over API Gateway's limit of "
                    + MAX_REQUEST_LINE_AND_HEADERS + " bytes";
            case 415 -> "unsupported content type " + ctx.request().getHeader("content-type");
            default -> "the request failed in the gateway";
        };
        if (status >= 500) {
            LOG.error("gateway failure", ctx.failure());
        }
        problem(ctx.response(), status, title(status), detail);
    }

    private static String title(int status) {
        return switch (status) {
            case 400 -> "Bad request";
            case 404 -> "Not found";
            case 405 -> "Method not allowed";
            case 413 -> "Payload too large";
            case 414 -> "URI too long";
            case 415 -> "Unsupported media type";
            case 431 -> "Request header fields too large";
            default -> status < 500 ? "Bad request" : "Internal error";
        };
    }

    private void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String path = request.path();
        List<Route> onPath = routes.stream().filter(r -> r.pattern().matcher(path).matches()).toList();
        Optional<Route> route = onPath.stream().filter(r -> r.method().equalsIgnoreCase(request.method().name())).findFirst();
        if (route.isEmpty()) {
            if (onPath.isEmpty()) {
                problem(ctx.response(), 404, "Not found", "no route for " + request.method() + " " + path);
            } else {
                ctx.response().putHeader("allow", onPath.stream().map(Route::method).collect(Collectors.joining(", ")));
                problem(ctx.response(), 405, "Method not allowed", request.method() + " is not allowed on " + path);
            }
            return;
        }
        APIGatewayV2HTTPEvent event;
        try {
            event = event(ctx, route.get());
        } catch (java.nio.charset.CharacterCodingException e) {
            problem(ctx.response(), 400, "Bad request", "the body is not valid UTF-8");
            return;
        }
        String function = route.get().function().name();
        Span span = ctx.get(SPAN);
        span.updateName(route.get().routeKey());
        span.setAttribute("http.route", route.get().routeKey());
        ctx.put("sagaline.route", route.get().routeKey());
        io.opentelemetry.context.Context traced = io.opentelemetry.context.Context.root().with(span);
        // API Gateway hands the function the trace it is part of, as X-Ray's header
        event.getHeaders().put("x-amzn-trace-id", Traces.xrayHeader(traced));
        io.vertx.core.Context context = ctx.vertx().getOrCreateContext();
        boolean open = route.get().function().trigger().isPublic();
        java.util.concurrent.CompletableFuture<Map<String, Object>> authorized;
        if (open) {
            // no authorizer: API Gateway passes the request straight on
            authorized = java.util.concurrent.CompletableFuture.completedFuture(null);
        } else {
            String identity = event.getHeaders().get(authorizer.header().toLowerCase(Locale.ROOT));
            if (identity == null || identity.isEmpty()) {
                // API Gateway refuses it before any function (401) when the identity source is missing.
                problem(ctx.response(), 401, "Unauthorized", "send a valid " + authorizer.header() + " header");
                return;
            }
            try (io.opentelemetry.context.Scope ignored = traced.makeCurrent()) {
                authorized = authorize(event, identity);
            }
        }
        // The event loop never waits for a function: it may call back into this process.
        authorized.thenCompose(decision -> {
            if (decision != null) {
                APIGatewayV2HTTPEvent.RequestContext.Authorizer granted = new APIGatewayV2HTTPEvent.RequestContext.Authorizer();
                granted.setLambda(decision);
                event.getRequestContext().setAuthorizer(granted);
            }
            try (io.opentelemetry.context.Scope ignored = traced.makeCurrent()) {
                return functions.invokeAsync(function, json.writeValueAsBytes(event), null);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).whenComplete((output, failure) -> context.runOnContext(v -> {
            Throwable cause = failure instanceof java.util.concurrent.CompletionException c ? c.getCause() : failure;
            if (cause == null) {
                respond(ctx.response(), output);
            } else if (cause instanceof Forbidden) {
                problem(ctx.response(), 403, "Forbidden", "the authorizer refused this request");
            } else if (cause instanceof LocalFunctions.FunctionFailure f && !(cause instanceof AuthorizerFailed)) {
                failed(ctx.response(), route.get(), f);
            } else if (open) {
                LOG.errorf(cause, "%s failed", route.get().routeKey());
                problem(ctx.response(), 500, "Internal error", "the function failed: " + cause.getMessage());
            } else {
                LOG.errorf(cause, "authorizer %s failed on %s", authorizer.function(), route.get().routeKey());
                problem(ctx.response(), 500, "Internal error", "the authorizer failed: " + cause.getMessage());
            }
        }));
    }

    /**
     * Drops every answer of the authorizer this gateway keeps, as the end of their ttl would: for a
     * test of what a key's revocation or rotation does once API Gateway asks again.
     */
    public void forgetAuthorizations() {
        decisions.invalidateAll();
    }

    /** The authorizer said no ({@code isAuthorized: false}): API Gateway's 403. */
    private static final class Forbidden extends RuntimeException {
        Forbidden() {
            super("not authorized", null, false, false);
        }
    }

    /** The authorizer function failed: API Gateway's 500. */
    private static final class AuthorizerFailed extends RuntimeException {
        AuthorizerFailed(Throwable cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    /**
     * The authorizer's context for {@code identity}: as API Gateway does, from its cache of the
     * last {@code resultTtlSeconds} (per identity), else by invoking the authorizer function with
     * the request (a REQUEST authorizer's payload 2.0) and keeping its answer.
     */
    private java.util.concurrent.CompletableFuture<Map<String, Object>> authorize(APIGatewayV2HTTPEvent request,
            String identity) {
        Map<String, Object> cached = decisions.getIfPresent(identity);
        if (cached != null) {
            return java.util.concurrent.CompletableFuture.completedFuture(cached);
        }
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("version", "2.0");
        input.put("type", "REQUEST");
        input.put("routeArn", "arn:aws:execute-api:" + LocalStepFunctions.REGION + ":" + LocalStepFunctions.ACCOUNT
                + ":local/$default/" + request.getRouteKey().replace(' ', '/'));
        input.put("identitySource", List.of(identity));
        input.put("routeKey", request.getRouteKey());
        input.put("rawPath", request.getRawPath());
        input.put("rawQueryString", request.getRawQueryString());
        input.put("headers", request.getHeaders());
        input.put("requestContext", request.getRequestContext());
        byte[] payload;
        try {
            payload = json.writeValueAsBytes(input);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
        return functions.invokeAsync(authorizer.function(), payload, null).handle((output, failure) -> {
            if (failure != null) {
                throw new AuthorizerFailed(
                        failure instanceof java.util.concurrent.CompletionException c ? c.getCause() : failure);
            }
            JsonNode answer;
            try {
                answer = json.readTree(output);
            } catch (java.io.IOException e) {
                throw new AuthorizerFailed(e);
            }
            if (!answer.path("isAuthorized").asBoolean(false)) {
                throw new Forbidden();
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> context = json.convertValue(answer.path("context"), Map.class);
            Map<String, Object> decision = context == null ? Map.of() : Map.copyOf(context);
            decisions.put(identity, decision);
            return decision;
        });
    }

    /**
     * What API Gateway answers when the integration fails: a throttled function 429, a function
     * that ran out of time 504, saying that it may have done its work, anything else 500.
     */
    private void failed(HttpServerResponse response, Route route, LocalFunctions.FunctionFailure failure) {
        String function = route.function().name();
        if (failure instanceof LocalFunctions.Throttled) {
            LOG.warnf("function %s throttled on %s: %s", function, route.routeKey(), failure.errorMessage());
            response.putHeader("retry-after", "1");
            problem(response, 429, "Too many requests", "the service is at its concurrency limit; retry after a second");
        } else if (failure.errorType().equals("Sandbox.Timedout")) {
            LOG.errorf("function %s timed out on %s: %s", function, route.routeKey(), failure.errorMessage());
            problem(response, 504, "Gateway timeout", "function " + function + " did not answer in time ("
                    + failure.errorMessage() + "); it may have completed its work: send the same request again with "
                    + "the same Idempotency-Key to learn its outcome, or read the resource before retrying without one");
        } else {
            LOG.errorf("function %s failed on %s: %s: %s", function, route.routeKey(), failure.errorType(),
                    failure.errorMessage());
            problem(response, 500, "Internal error", "function " + function + " failed: " + failure.getMessage());
        }
    }

    private APIGatewayV2HTTPEvent event(RoutingContext ctx, Route route) throws java.nio.charset.CharacterCodingException {
        HttpServerRequest request = ctx.request();
        Matcher m = route.pattern().matcher(request.path());
        m.matches();
        Map<String, String> pathParameters = new LinkedHashMap<>();
        for (int i = 0; i < route.parameters().size(); i++) {
            pathParameters.put(route.parameters().get(i), java.net.URLDecoder.decode(m.group(i + 1), StandardCharsets.UTF_8));
        }
        Map<String, String> headers = joined(request.headers(), true);
        List<String> cookies = request.headers().getAll("cookie").stream()
                .flatMap(c -> java.util.Arrays.stream(c.split(";\\s*"))).filter(c -> !c.isBlank()).toList();
        headers.remove("cookie");
        Buffer body = ctx.body().buffer();
        String contentType = request.getHeader("content-type");
        boolean text = contentType == null || TEXT_TYPES.contains(contentType.split(";")[0].trim().toLowerCase(Locale.ROOT))
                || contentType.startsWith("text/");
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);

        APIGatewayV2HTTPEvent.RequestContext.Http http = new APIGatewayV2HTTPEvent.RequestContext.Http();
        http.setMethod(request.method().name());
        http.setPath(request.path());
        http.setProtocol(request.version() == null ? "HTTP/1.1" : request.version().alpnName().toUpperCase(Locale.ROOT));
        http.setSourceIp(request.remoteAddress() == null ? "127.0.0.1" : request.remoteAddress().hostAddress());
        http.setUserAgent(request.getHeader("user-agent"));
        APIGatewayV2HTTPEvent.RequestContext context = new APIGatewayV2HTTPEvent.RequestContext();
        context.setAccountId(LocalStepFunctions.ACCOUNT);
        context.setApiId("local");
        context.setDomainName(request.authority() == null ? "localhost" : request.authority().host());
        context.setDomainPrefix("localhost");
        context.setHttp(http);
        context.setRequestId(ctx.get(REQUEST_ID));
        context.setRouteKey(route.routeKey());
        context.setStage("$default");
        context.setTime(REQUEST_TIME.format(now));
        context.setTimeEpoch(now.toInstant().toEpochMilli());

        APIGatewayV2HTTPEvent event = new APIGatewayV2HTTPEvent();
        event.setVersion("2.0");
        event.setRouteKey(route.routeKey());
        event.setRawPath(request.path());
        event.setRawQueryString(request.query() == null ? "" : request.query());
        event.setCookies(cookies.isEmpty() ? null : cookies);
        event.setHeaders(headers);
        event.setQueryStringParameters(request.params().isEmpty() ? null : joined(request.params(), false));
        event.setPathParameters(pathParameters.isEmpty() ? null : pathParameters);
        event.setRequestContext(context);
        if (body != null && body.length() > 0) {
            // A text body that is not UTF-8 is refused rather than passed on with U+FFFD in place of its bytes.
            event.setBody(
                    text ? StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(body.getBytes())).toString()
                            : Base64.getEncoder().encodeToString(body.getBytes()));
            event.setIsBase64Encoded(!text);
        }
        return event;
    }

    private static Map<String, String> joined(MultiMap values, boolean lowerCase) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : values.names()) {
            out.put(lowerCase ? name.toLowerCase(Locale.ROOT) : name, String.join(",", values.getAll(name)));
        }
        return out;
    }

    private void respond(HttpServerResponse response, byte[] output) {
        try {
            JsonNode result = json.readTree(output);
            if (result == null || !result.has("statusCode")) {
                // API Gateway's rule for payload 2.0: anything without statusCode is a 200 JSON body.
                response.setStatusCode(200).putHeader("content-type", "application/json").end(Buffer.buffer(output));
                return;
            }
            response.setStatusCode(result.get("statusCode").asInt());
            result.path("headers").fields().forEachRemaining(h -> response.putHeader(h.getKey(), h.getValue().asText()));
            result.path("cookies").forEach(c -> response.headers().add("set-cookie", c.asText()));
            JsonNode body = result.get("body");
            if (body == null || body.isNull()) {
                response.end();
            } else if (result.path("isBase64Encoded").asBoolean(false)) {
                response.end(Buffer.buffer(Base64.getDecoder().decode(body.asText())));
            } else {
                response.end(body.asText());
            }
        } catch (Exception e) {
            LOG.error("malformed function response", e);
            problem(response, 502, "Bad gateway", "the function answered something that is not an API Gateway response");
        }
    }

    private void problem(HttpServerResponse response, int status, String title, String detail) {
        try {
            response.setStatusCode(status).putHeader("content-type", "application/problem+json")
                    .end(json.writeValueAsString(new Problem("https://sagaline.dev/problems/gateway", title, status, detail,
                            null, response.headers().get(REQUEST_ID))));
        } catch (Exception e) {
            response.setStatusCode(status).end();
        }
    }
}
