package io.sagaline.orders;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import io.sagaline.platform.http.ApiException;
import io.sagaline.platform.http.HttpApi;
import io.sagaline.platform.http.HttpContract;
import io.sagaline.platform.http.HttpResult;
import io.sagaline.platform.http.Instants;

/**
 * HTTP {@code GET /orders/{orderId}}: the order as the read model has it, or with
 * {@code ?asOf=<ISO-8601 instant>} as its events made it at that moment (404 if it did not exist yet).
 */
@HttpContract(response = OrderApi.OrderView.class, query = "asOf: the order as it was at this ISO-8601 instant with an offset (years 0001-9999); 404 if it did not exist then")
@Named("get-order")
public class GetOrderFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApi http;
    @Inject
    OrderService orders;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            String id = request.pathParameter("orderId");
            var asOf = request.queryParameter("asOf").map(v -> Instants.parse("asOf", v));
            var order = asOf.isPresent() ? orders.findAsOf(request.actor(), id, asOf.get())
                    : orders.find(request.actor(), id);
            return HttpResult.ok(order.orElseThrow(() -> ApiException.notFound("order", id)));
        });
    }
}
