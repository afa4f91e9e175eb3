package io.sagaline.local;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.arc.profile.IfBuildProfile;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The SQS API (its JSON protocol, {@code X-Amz-Target: AmazonSQS.*}) on the local runtime's own
 * port, checked as the Lambda and Step Functions APIs are (LocalAwsAuth) and passed on to the
 * embedded SQS: so that the console, a web page of this origin, reads the queues as it reads the
 * rest. Tools can keep calling the embedded SQS directly.
 */
@ApplicationScoped
@IfBuildProfile(anyOf = { "dev", "test" })
public class LocalSqsApi {

    private static final String TARGET = "AmazonSQS.";
    /** What the console reads, and nothing that changes a queue: the rest stays the embedded SQS's own port's. */
    private static final java.util.Set<String> READS = java.util.Set.of("ListQueues", "GetQueueUrl", "GetQueueAttributes",
            "ReceiveMessage");

    private final LocalAwsAuth auth;
    private final java.net.URI sqs;
    private HttpClient client;

    LocalSqsApi(LocalAwsAuth auth, @ConfigProperty(name = "sagaline.local.sqs.endpoint") String endpoint) {
        this.auth = auth;
        this.sqs = java.net.URI.create(endpoint);
    }

    void install(@Observes Router router, Vertx vertx) {
        this.client = vertx.createHttpClient();
        router.post("/").order(-101).handler(BodyHandler.create().setBodyLimit(1024 * 1024)).handler(this::forward);
    }

    private void refuse(RoutingContext ctx, String code, String message) {
        ctx.response().setStatusCode(400).putHeader("content-type", "application/x-amz-json-1.0")
                .putHeader("x-amzn-query-error", code + ";Sender")
                .end(new io.vertx.core.json.JsonObject().put("__type", code).put("message", message).encode());
    }

    private void forward(RoutingContext ctx) {
        String target = ctx.request().getHeader("x-amz-target");
        if (target == null || !target.startsWith(TARGET)) {
            ctx.next();
            return;
        }
        try {
            auth.check(ctx.request(), ctx.body().buffer());
        } catch (SigV4Verifier.Refusal r) {
            refuse(ctx, r.code(), r.getMessage());
            return;
        }
        if (!READS.contains(target.substring(TARGET.length()))) {
            refuse(ctx, "AccessDenied", target + " is not served on this port (only " + READS
                    + "): call the embedded SQS itself (/q/health/ready names it)");
            return;
        }
        String type = ctx.request().getHeader("content-type");
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(sqs.getHost())
                .setPort(sqs.getPort()).setURI("/").putHeader("x-amz-target", target)
                .putHeader("content-type", type == null ? "application/x-amz-json-1.0" : type);
        client.request(options).compose(request -> request.send(ctx.body().buffer() == null
                ? io.vertx.core.buffer.Buffer.buffer()
                : ctx.body().buffer()))
                .compose(response -> response.body().map(body -> {
                    ctx.response().setStatusCode(response.statusCode());
                    String answered = response.getHeader("content-type");
                    if (answered != null) {
                        ctx.response().putHeader("content-type", answered);
                    }
                    String error = response.getHeader("x-amzn-query-error");
                    if (error != null) {
                        ctx.response().putHeader("x-amzn-query-error", error);
                    }
                    ctx.response().end(body);
                    return body;
                })).onFailure(e -> {
                    if (!ctx.response().ended()) {
                        ctx.response().setStatusCode(503).putHeader("content-type", "application/x-amz-json-1.0")
                                .end("{\"__type\":\"ServiceUnavailable\",\"message\":\"the embedded SQS did not answer\"}");
                    }
                });
    }
}
