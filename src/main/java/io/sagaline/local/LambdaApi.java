package io.sagaline.local;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.arc.profile.IfBuildProfile;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The Lambda Invoke API on the local port ({@code POST /2015-03-31/functions/{name}/invocations}),
 * as {@code sam local invoke} offers it: {@code aws lambda invoke --endpoint-url ...} or the SDK's
 * {@code LambdaClient} run any function of the catalog. RequestResponse answers 200 with the
 * payload, or with {@code X-Amz-Function-Error: Unhandled} and the error when the function fails;
 * Event answers 202 and runs it in the background; DryRun answers 204.
 */
@ApplicationScoped
@IfBuildProfile(anyOf = { "dev", "test" })
public class LambdaApi {

    private static final Logger LOG = Logger.getLogger(LambdaApi.class);

    private final LocalFunctions functions;
    private final ObjectMapper json;

    LambdaApi(LocalFunctions functions, ObjectMapper json) {
        this.functions = functions;
        this.json = json;
    }

    void install(@Observes Router router) {
        router.post("/2015-03-31/functions/:function/invocations").order(-100).handler(BodyHandler.create())
                .handler(this::invoke);
    }

    private void invoke(RoutingContext ctx) {
        String requested = ctx.pathParam("function");
        String name = requested.contains(":function:") ? requested.substring(requested.indexOf(":function:") + 10)
                : requested;
        if (name.contains(":")) {
            name = name.substring(0, name.indexOf(':')); // a qualifier: every local function is $LATEST
        }
        if (functions.catalog().function(name).isEmpty()) {
            error(ctx, 404, "ResourceNotFoundException", "Function not found: " + LocalStepFunctions.lambdaArn(name));
            return;
        }
        String type = ctx.request().getHeader("x-amz-invocation-type");
        byte[] payload = ctx.body().buffer() == null || ctx.body().length() == 0 ? "{}".getBytes()
                : ctx.body().buffer().getBytes();
        String function = name;
        switch (type == null ? "RequestResponse" : type) {
            case "DryRun" -> ctx.response().setStatusCode(204).end();
            case "Event" -> {
                ctx.vertx().executeBlocking(() -> functions.invoke(function, payload), false)
                        .onFailure(e -> LOG.warnf("asynchronous invocation of %s failed: %s", function, e.getMessage()));
                ctx.response().setStatusCode(202).end();
            }
            case "RequestResponse" -> ctx.vertx().executeBlocking(() -> functions.invoke(function, payload), false)
                    .onComplete(result -> {
                        ctx.response().putHeader("x-amz-executed-version", "$LATEST").putHeader("content-type",
                                "application/json");
                        if (result.succeeded()) {
                            ctx.response().setStatusCode(200).end(Buffer.buffer(result.result()));
                        } else if (result.cause() instanceof LocalFunctions.FunctionFailure f) {
                            ctx.response().setStatusCode(200).putHeader("x-amz-function-error", "Unhandled")
                                    .end(json.createObjectNode().put("errorMessage", f.errorMessage())
                                            .put("errorType", f.errorType()).toString());
                        } else {
                            LOG.errorf(result.cause(), "invocation of %s failed", function);
                            error(ctx, 500, "ServiceException", String.valueOf(result.cause().getMessage()));
                        }
                    });
            default -> error(ctx, 400, "InvalidParameterValueException",
                    "X-Amz-Invocation-Type must be RequestResponse, Event or DryRun, not " + type);
        }
    }

    private void error(RoutingContext ctx, int status, String type, String message) {
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json").putHeader("x-amzn-errortype", type)
                .end(json.createObjectNode().put("Type", "User").put("message", message).toString());
    }
}
