package io.sagaline.orders;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import io.sagaline.platform.AsyncHandler;
import io.sagaline.platform.Ids;
import io.sagaline.platform.http.ApiException;
import io.sagaline.platform.http.HttpApi;
import io.sagaline.platform.http.HttpContract;
import io.sagaline.platform.http.HttpRequest;
import io.sagaline.platform.http.HttpResult;
import io.sagaline.platform.http.Instants;

/**
 * HTTP {@code GET /orders/{orderId}}: the order as the read model has it, or with
 * {@code ?asOf=<ISO-8601 instant>} as its events made it at that moment (404 if it did not exist yet).
 * With {@code ?waitSeconds=N} (0-20; 0 is a plain read) it answers as soon as the order is settled (no longer PENDING,
 * no cancellation in progress), or as it is when the time is up, holding no thread meanwhile
 * ({@link OrderWatch}).
 */
@HttpContract(response = OrderApi.OrderView.class, query = {
        "asOf: the order as it was at this ISO-8601 instant with an offset (years 0001-9999); 404 if it did not exist then",
        "waitSeconds: 0-20; answer as soon as the order is no longer PENDING and no cancellation of it is in progress, or as it is when the time is up (not with asOf)" })
@Named("get-order")
public class GetOrderFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>,
        AsyncHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    /** The longest wait a caller may ask for: API Gateway's HTTP APIs answer within 30 s. */
    static final int MAX_WAIT_SECONDS = 20;

    @Inject
    HttpApi http;
    @Inject
    OrderService orders;
    @Inject
    OrderWatch watch;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return AsyncHandler.await(handleAsync(event, context));
    }

    @Override
    public CompletionStage<APIGatewayV2HTTPResponse> handleAsync(APIGatewayV2HTTPEvent event, Context context) {
        return http.handleAsync(event, request -> {
            String id = request.pathParameter("orderId");
            var asOf = request.queryParameter("asOf").map(v -> Instants.parse("asOf", v));
            int wait = request.integer("waitSeconds", 0, MAX_WAIT_SECONDS).orElse(0);
            if (asOf.isPresent()) {
                if (wait > 0) {
                    throw ApiException.badRequest("waitSeconds", "must not be given with asOf: the past does not change");
                }
                return AsyncHandler.now(found(orders.findAsOf(request.actor(), id, asOf.get()), id));
            }
            var uuid = Ids.uuid(id);
            if (wait == 0 || uuid.isEmpty()) {
                return AsyncHandler.now(current(request, id));
            }
            // the answer is read without a thread too: nothing blocks between the request and its answer
            return watch.settled(request.actor().tenant(), uuid.get(), Duration.ofSeconds(wait))
                    .thenCompose(AsyncHandler.carrying(settled -> orders.findAsync(request.actor(), id)))
                    .thenApply(order -> found(order, id));
        });
    }

    private HttpResult current(HttpRequest request, String id) {
        return found(orders.find(request.actor(), id), id);
    }

    private static HttpResult found(java.util.Optional<OrderApi.OrderView> order, String id) {
        return HttpResult.ok(order.orElseThrow(() -> ApiException.notFound("order", id)));
    }

}
