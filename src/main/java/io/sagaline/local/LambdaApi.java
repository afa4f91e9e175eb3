package io.sagaline.local;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.arc.profile.IfBuildProfile;
import io.sagaline.platform.Catalog;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The Lambda Invoke API on the local port ({@code POST /2015-03-31/functions/{name}/invocations}),
 * as {@code sam local invoke} offers it: {@code aws lambda invoke --endpoint-url ...} or the SDK's
 * {@code LambdaClient} run any function of the catalog. RequestResponse answers 200 with the
 * payload, or with {@code X-Amz-Function-Error: Unhandled} and the error when the function fails,
 * and with {@code LogType=Tail} the end of its log in {@code X-Amz-Log-Result}; Event answers 202
 * and runs it in the background; DryRun answers 204. ListFunctions, GetFunction and
 * GetFunctionConfiguration describe the catalog's functions.
 */
@ApplicationScoped
@IfBuildProfile(anyOf = { "dev", "test" })
public class LambdaApi {

    private static final Logger LOG = Logger.getLogger(LambdaApi.class);
    /** When this runtime started: the LastModified of every function it serves. */
    private static final String STARTED = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ")
            .format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC));

    private final LocalFunctions functions;
    private final LocalAwsAuth auth;
    private final ObjectMapper json;

    LambdaApi(LocalFunctions functions, LocalAwsAuth auth, ObjectMapper json) {
        this.functions = functions;
        this.auth = auth;
        this.json = json;
    }

    void install(@Observes Router router) {
        // Lambda's own limit for a synchronous invocation's payload: 6 MB.
        router.post("/2015-03-31/functions/:function/invocations").order(-100)
                .handler(BodyHandler.create().setBodyLimit(6L * 1024 * 1024))
                .handler(this::authenticated).handler(this::invoke);
        router.get("/2015-03-31/functions").order(-100).handler(this::authenticated).handler(this::listFunctions);
        router.get("/2015-03-31/functions/").order(-100).handler(this::authenticated).handler(this::listFunctions);
        router.get("/2015-03-31/functions/:function").order(-100).handler(this::authenticated).handler(this::getFunction);
        router.get("/2015-03-31/functions/:function/configuration").order(-100).handler(this::authenticated)
                .handler(this::getFunctionConfiguration);
    }

    /** ListFunctions: every function of the catalog, in one page (there are fewer than its 50). */
    private void listFunctions(RoutingContext ctx) {
        ObjectNode out = json.createObjectNode();
        ArrayNode list = out.putArray("Functions");
        functions.catalog().functions().forEach(f -> list.add(configuration(f)));
        ok(ctx, out);
    }

    /** GetFunction: the function's configuration and where its code is (the application this process runs). */
    private void getFunction(RoutingContext ctx) {
        function(ctx).ifPresent(f -> {
            ObjectNode out = json.createObjectNode();
            out.set("Configuration", configuration(f));
            out.putObject("Code").put("RepositoryType", "S3").put("Location", "file:target/function.zip");
            out.putObject("Tags").put("service", f.service());
            ok(ctx, out);
        });
    }

    private void getFunctionConfiguration(RoutingContext ctx) {
        function(ctx).ifPresent(f -> ok(ctx, configuration(f)));
    }

    private java.util.Optional<Catalog.Function> function(RoutingContext ctx) {
        String name = functionName(ctx.pathParam("function"));
        java.util.Optional<Catalog.Function> function = functions.catalog().function(name);
        if (function.isEmpty()) {
            error(ctx, 404, "ResourceNotFoundException", "Function not found: " + LocalStepFunctions.lambdaArn(name));
        }
        return function;
    }

    /** A FunctionConfiguration as Lambda describes one, from the catalog entry Terraform deploys it from. */
    private ObjectNode configuration(Catalog.Function f) {
        ObjectNode c = json.createObjectNode().put("FunctionName", f.name())
                .put("FunctionArn", LocalStepFunctions.lambdaArn(f.name())).put("Runtime", "java21")
                .put("Role", "arn:aws:iam::" + LocalStepFunctions.ACCOUNT + ":role/sagaline-" + f.name())
                .put("Handler", "io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest")
                .put("Description", f.service() + " service, " + f.trigger().type() + " trigger")
                .put("Timeout", f.timeoutSeconds()).put("MemorySize", f.memoryMb()).put("Version", "$LATEST")
                .put("LastModified", STARTED).put("PackageType", "Zip").put("State", "Active")
                .put("LastUpdateStatus", "Successful");
        c.putArray("Architectures").add("x86_64");
        c.putObject("Environment").putObject("Variables").put("QUARKUS_LAMBDA_HANDLER", f.name());
        return c;
    }

    private void ok(RoutingContext ctx, ObjectNode body) {
        ctx.response().setStatusCode(200).putHeader("content-type", "application/json").end(body.toString());
    }

    private static String functionName(String requested) {
        String name = requested.contains(":function:") ? requested.substring(requested.indexOf(":function:") + 10)
                : requested;
        return name.contains(":") ? name.substring(0, name.indexOf(':')) : name; // a qualifier: every local function is $LATEST
    }

    private void authenticated(RoutingContext ctx) {
        ctx.response().putHeader("x-amzn-RequestId", java.util.UUID.randomUUID().toString());
        try {
            auth.check(ctx.request(), ctx.body().buffer());
        } catch (SigV4Verifier.Refusal r) {
            error(ctx, 403, r.code(), r.getMessage());
            return;
        }
        ctx.next();
    }

    private void invoke(RoutingContext ctx) {
        String name = functionName(ctx.pathParam("function"));
        if (functions.catalog().function(name).isEmpty()) {
            error(ctx, 404, "ResourceNotFoundException", "Function not found: " + LocalStepFunctions.lambdaArn(name));
            return;
        }
        String type = ctx.request().getHeader("x-amz-invocation-type");
        byte[] payload = ctx.body().buffer() == null || ctx.body().length() == 0 ? "{}".getBytes()
                : ctx.body().buffer().getBytes();
        String function = name;
        io.vertx.core.Context context = ctx.vertx().getOrCreateContext();
        // A caller in a trace sends its X-Ray header, as the AWS SDK does; the invocation is part of that trace.
        try (io.opentelemetry.context.Scope traced = io.sagaline.platform.observability.Traces
                .fromXrayHeader(ctx.request().getHeader("x-amzn-trace-id")).makeCurrent()) {
            invoke(ctx, function, type, payload, context);
        }
    }

    private void invoke(RoutingContext ctx, String function, String type, byte[] payload, io.vertx.core.Context context) {
        switch (type == null ? "RequestResponse" : type) {
            case "DryRun" -> ctx.response().setStatusCode(204).end();
            case "Event" -> {
                invokeEvent(ctx.vertx(), function, payload, 0, 0);
                ctx.response().setStatusCode(202).end();
            }
            case "RequestResponse" -> {
                String logType = ctx.request().getHeader("x-amz-log-type");
                if (logType != null && !logType.equals("None") && !logType.equals("Tail")) {
                    error(ctx, 400, "InvalidParameterValueException", "X-Amz-Log-Type must be None or Tail, not " + logType);
                    return;
                }
                StringBuilder log = "Tail".equals(logType) ? new StringBuilder() : null;
                functions.invokeAsync(function, payload, null, log)
                        .whenComplete((output, failure) -> context.runOnContext(v -> {
                            ctx.response().putHeader("x-amz-executed-version", "$LATEST").putHeader("content-type",
                                    "application/json");
                            if (log != null) {
                                ctx.response().putHeader("x-amz-log-result", tail(log));
                            }
                            if (failure == null) {
                                ctx.response().setStatusCode(200).end(Buffer.buffer(output));
                            } else if (failure instanceof LocalFunctions.Throttled t) {
                                error(ctx, 429, "TooManyRequestsException", t.errorMessage());
                            } else {
                                LocalFunctions.FunctionFailure f = (LocalFunctions.FunctionFailure) failure;
                                ctx.response().setStatusCode(200).putHeader("x-amz-function-error", "Unhandled")
                                        .end(json.createObjectNode().put("errorMessage", f.errorMessage())
                                                .put("errorType", f.errorType()).toString());
                            }
                        }));
            }
            default -> error(ctx, 400, "InvalidParameterValueException",
                    "X-Amz-Invocation-Type must be RequestResponse, Event or DryRun, not " + type);
        }
    }

    /**
     * An Event invocation, retried as Lambda retries asynchronous invocations: a throttled one
     * again and again with backoff (here up to 8 times, 1 s to 2 min apart), a failed one twice,
     * one and two minutes later. What still fails is logged (Lambda would send it to an on-failure
     * destination, which the catalog does not declare).
     */
    private void invokeEvent(io.vertx.core.Vertx vertx, String function, byte[] payload, int failures, int throttles) {
        functions.invokeAsync(function, payload, null).whenComplete((output, failure) -> {
            if (failure == null) {
                return;
            }
            if (failure instanceof LocalFunctions.Throttled && throttles < 8) {
                vertx.setTimer(Math.min(120_000L, 1_000L << throttles), t -> invokeEvent(vertx, function, payload, failures,
                        throttles + 1));
            } else if (!(failure instanceof LocalFunctions.Throttled) && failures < 2) {
                LOG.warnf("asynchronous invocation of %s failed (%s); retried in %d min", function, failure.getMessage(),
                        failures + 1);
                vertx.setTimer(60_000L * (failures + 1), t -> invokeEvent(vertx, function, payload, failures + 1, throttles));
            } else {
                LOG.errorf("asynchronous invocation of %s failed for good: %s", function, failure.getMessage());
            }
        });
    }

    /** LogType=Tail: the last 4 KB of the invocation's log, base64-encoded, as Lambda returns it. */
    private static String tail(StringBuilder log) {
        byte[] bytes;
        synchronized (log) {
            bytes = log.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        int from = Math.max(0, bytes.length - 4096);
        return java.util.Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(bytes, from, bytes.length));
    }

    private void error(RoutingContext ctx, int status, String type, String message) {
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json").putHeader("x-amzn-errortype", type)
                .end(json.createObjectNode().put("Type", "User").put("message", message).toString());
    }
}
