package io.sagaline.invoices;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import io.sagaline.platform.http.HttpApi;
import io.sagaline.platform.http.HttpContract;
import io.sagaline.platform.http.HttpResult;

/** HTTP {@code GET /valet/invoices/{token}}, without a key: the invoice a valet link opens. */
@HttpContract(response = InvoiceService.Invoice.class)
@Named("get-invoice-by-link")
public class GetInvoiceByLinkFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApi http;
    @Inject
    InvoiceLinks links;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handlePublic(event,
                request -> HttpResult.ok(links.open(request.pathParameter("token"), request.requestId())));
    }
}
