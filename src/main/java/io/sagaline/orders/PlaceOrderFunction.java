package io.sagaline.orders;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import io.sagaline.orders.OrderApi.PlaceOrder;
import io.sagaline.platform.http.HttpApi;
import io.sagaline.platform.http.HttpContract;
import io.sagaline.platform.http.HttpResult;

/** HTTP {@code POST /orders}: stores the order PENDING and starts the PlaceOrder saga; honours Idempotency-Key. */
@HttpContract(request = OrderApi.PlaceOrder.class, response = OrderApi.OrderAccepted.class, status = 202, headers = "Idempotency-Key: 1-255 visible ASCII characters; the same key and body answer the first response again, another body 422")
@Named("place-order")
public class PlaceOrderFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApi http;
    @Inject
    OrderService orders;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            var accepted = orders.place(request.actor(), request.header("idempotency-key"), request.body(PlaceOrder.class));
            return HttpResult.accepted("/orders/" + accepted.orderId(), accepted);
        });
    }
}
