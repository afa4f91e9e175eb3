package io.sagaline.orders;

import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagaline.platform.http.ApiException;
import io.sagaline.platform.http.HttpApi;
import io.sagaline.platform.http.HttpResult;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * HTTP {@code POST /orders/{orderId}/cancel}: 202 and the CancelOrder saga refunds the payment,
 * releases the credit and returns the stock; 409 unless the order is APPROVED. Asking again while
 * the cancellation is under way answers the same cancellation and starts nothing new.
 */
@Named("cancel-order")
public class CancelOrderFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    public record CancellationAccepted(String orderId, OrderStatus status, String cancellationExecutionId) {
    }

    @Inject
    HttpApi http;
    @Inject
    OrderLifecycle lifecycle;
    @Inject
    CancelOrderSaga saga;
    @Inject
    ObjectMapper json;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            String id = request.pathParameter("orderId");
            OrderState order = lifecycle.requestCancellation(request.tenant(), id, saga);
            String execution = order.cancellationExecutionId();
            try {
                saga.start(execution.substring(execution.lastIndexOf(':') + 1), input(order));
            } catch (SdkException e) {
                throw new ApiException(503, "saga-not-started", "Service unavailable", "the cancellation of order " + id
                        + " is recorded but its saga could not be started (" + e.getMessage() + "); send the request again");
            }
            return HttpResult.accepted("/orders/" + order.orderId(),
                    new CancellationAccepted(order.orderId().toString(), order.status(), execution));
        });
    }

    private String input(OrderState order) {
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("tenant", order.tenant());
        input.put("orderId", order.orderId().toString());
        input.put("customerId", order.customerId().toString());
        try {
            return json.writeValueAsString(input);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
