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

    private void forward(RoutingContext ctx) {
        String target = ctx.request().getHeader("x-amz-target");
        if (target == null || !target.startsWith(TARGET)) {
            ctx.next();
            return;
        }
        try {
            auth.check(ctx.request(), ctx.body().buffer());
        } catch (SigV4Verifier.Refusal r) {
            ctx.response().setStatusCode(400).putHeader("content-type", "application/x-amz-json-1.0")
                    .putHeader("x-amzn-query-error", r.code() + ";Sender")
                    .end("{\"__type\":\"" + r.code() + "\",\"message\":\"" + r.getMessage().replace("\"", "'") + "\"}");
            return;
        }
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(sqs.getHost())
                .setPort(sqs.getPort()).setURI("/").putHeader("x-amz-target", target)
                .putHeader("content-type", ctx.request().getHeader("content-type"));
        client.request(options).compose(request -> request.send(ctx.body().buffer() == null
                ? io.vertx.core.buffer.Buffer.buffer()
                : ctx.body().buffer()))
                .compose(response -> response.body().map(body -> {
                    ctx.response().setStatusCode(response.statusCode());
                    String type = response.getHeader("content-type");
                    if (type != null) {
                        ctx.response().putHeader("content-type", type);
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
