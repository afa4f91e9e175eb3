package io.sagaline.orders;

import jakarta.inject.Inject;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import io.quarkus.funqy.Funq;
import io.sagaline.orders.OrderApi.PlaceOrder;
import io.sagaline.platform.http.ApiException;
import io.sagaline.platform.http.HttpApi;
import io.sagaline.platform.http.HttpResult;

/** HTTP: {@code POST /orders}, {@code GET /orders/{orderId}}. */
public class OrderFunctions {

    @Inject
    HttpApi http;
    @Inject
    OrderService orders;

    @Funq("place-order")
    public APIGatewayV2HTTPResponse placeOrder(APIGatewayV2HTTPEvent event) {
        return http.handle(event, request -> {
            var accepted = orders.place(request.tenant(), request.header("idempotency-key"),
                    request.body(PlaceOrder.class));
            return HttpResult.accepted("/orders/" + accepted.orderId(), accepted);
        });
    }

    @Funq("get-order")
    public APIGatewayV2HTTPResponse getOrder(APIGatewayV2HTTPEvent event) {
        return http.handle(event, request -> {
            String id = request.pathParameter("orderId");
            return HttpResult.ok(orders.find(request.tenant(), id).orElseThrow(() -> ApiException.notFound("order", id)));
        });
    }
}
