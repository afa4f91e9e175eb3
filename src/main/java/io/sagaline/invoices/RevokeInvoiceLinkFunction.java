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

/** HTTP {@code DELETE /orders/{orderId}/invoice/links/{linkId}}: the valet link works no more. */
@HttpContract(response = Void.class, status = 204)
@Named("revoke-invoice-link")
public class RevokeInvoiceLinkFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApi http;
    @Inject
    InvoiceLinks links;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            String link = request.pathParameter("linkId");
            if (!links.revoke(request.actor(), request.pathParameter("orderId"), link)) {
                throw ApiException.notFound("invoice link", link);
            }
            return HttpResult.noContent();
        });
    }
}
