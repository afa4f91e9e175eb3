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
import software.amazon.awssdk.core.exception.SdkException;

/**
 * HTTP {@code POST /orders/{orderId}/cancel}: 202 and the CancelOrder saga refunds the payment,
 * releases the credit and returns the stock; 409 unless the order is APPROVED. Asking again while
 * the cancellation is under way answers the same cancellation and starts nothing new; if its
 * execution stopped without finishing, asking again redrives it.
 */
@HttpContract(response = CancelOrderFunction.CancellationAccepted.class, status = 202)
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

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            String id = request.pathParameter("orderId");
            OrderLifecycle.CancellationRequest cancellation = lifecycle.requestCancellation(request.actor(), id, saga);
            OrderState order = cancellation.order();
            String execution = order.cancellationExecutionId();
            if (!cancellation.started()) {
                // Under way already: start it again (the same execution: a no-op if it runs) in case its start
                // was lost, or redrive it if it stopped without finishing (a refund whose outcome was unknown).
                try {
                    saga.startOrRedrive(CancelOrderSaga.name(execution), lifecycle.cancellationInput(order));
                } catch (SdkException e) {
                    throw new ApiException(503, "saga-not-started", "Service unavailable", "the cancellation of order " + id
                            + " is recorded but its saga could not be started (" + e.getMessage()
                            + "); send the request again");
                }
            }
            return HttpResult.accepted("/orders/" + order.orderId(),
                    new CancellationAccepted(order.orderId().toString(), order.status(), execution));
        });
    }
}
