package io.sagaline.invoices;

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

/** HTTP {@code GET /orders/{orderId}/invoice}: the order's invoice once issued; 404 until then. */
@HttpContract(response = InvoiceService.Invoice.class)
@Named("get-order-invoice")
public class GetOrderInvoiceFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApi http;
    @Inject
    InvoiceService invoices;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            String id = request.pathParameter("orderId");
            return HttpResult.ok(invoices.forOrder(request.actor(), id)
                    .orElseThrow(() -> new ApiException(404, "not-found", "Not found",
                            "order '" + id + "' has no invoice (yet): invoices are issued shortly after approval")));
        });
    }
}
