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

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.arc.profile.IfBuildProfile;
import io.sagaline.platform.Catalog;
import io.sagaline.platform.http.Problem;
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
    private final List<Route> routes;

    LocalGateway(LocalFunctions functions, ObjectMapper json) {
        this.functions = functions;
        this.json = json;
        this.routes = functions.catalog().functions().stream().filter(f -> f.trigger().isHttp()).map(LocalGateway::route)
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
        router.routeWithRegex("^/(?!q/).*").handler(BodyHandler.create().setBodyLimit(MAX_PAYLOAD_BYTES))
                .handler(this::handle)
                .failureHandler(this::failed);
    }

    /**
     * A failure inside the gateway route is problem+json too. (Quarkus' HTTP layer refuses a body
     * over 10 MB and a broken percent-escape before any route, with 413 and 400 and no body, as API
     * Gateway refuses them with its own message in AWS.)
     */
    private void failed(RoutingContext ctx) {
        int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
        String detail = switch (status) {
            case 413 -> "the body is over API Gateway's limit of " + MAX_PAYLOAD_BYTES + " bytes";
            case 400 -> "the request could not be read: "
                    + (ctx.failure() == null ? "malformed request" : ctx.failure().getMessage());
            default -> "the request failed in the gateway";
        };
        if (status >= 500) {
            LOG.error("gateway failure", ctx.failure());
        }
        problem(ctx.response(), status, status == 413 ? "Payload too large" : status < 500 ? "Bad request" : "Internal error",
                detail);
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
        APIGatewayV2HTTPEvent event = event(ctx, route.get());
        byte[] payload;
        try {
            payload = json.writeValueAsBytes(event);
        } catch (Exception e) {
            problem(ctx.response(), 500, "Internal error", "the request could not be encoded");
            return;
        }
        String function = route.get().function().name();
        ctx.vertx().executeBlocking(() -> functions.invoke(function, payload), false).onComplete(result -> {
            if (result.succeeded()) {
                respond(ctx.response(), result.result());
            } else {
                LOG.errorf(result.cause(), "function %s failed on %s", function, route.get().routeKey());
                problem(ctx.response(), 500, "Internal error",
                        "function " + function + " failed: " + result.cause().getMessage());
            }
        });
    }

    private APIGatewayV2HTTPEvent event(RoutingContext ctx, Route route) {
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
        context.setRequestId(UUID.randomUUID().toString());
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
            event.setBody(text ? body.toString(StandardCharsets.UTF_8) : Base64.getEncoder().encodeToString(body.getBytes()));
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
                    .end(json.writeValueAsString(
                            new Problem("https://sagaline.dev/problems/gateway", title, status, detail, null)));
        } catch (Exception e) {
            response.setStatusCode(status).end();
        }
    }
}
