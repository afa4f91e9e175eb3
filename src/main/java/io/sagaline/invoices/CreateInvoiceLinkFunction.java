package io.sagaline.invoices;

import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import io.sagaline.platform.http.HttpApi;
import io.sagaline.platform.http.HttpContract;
import io.sagaline.platform.http.HttpResult;

/** HTTP {@code POST /orders/{orderId}/invoice/links}: a valet link to the order's invoice, for someone without a key. */
@HttpContract(request = CreateInvoiceLinkFunction.CreateLink.class, response = InvoiceLinks.Link.class, status = 201)
@Named("create-invoice-link")
public class CreateInvoiceLinkFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    /** How long the link works: 60 s to 30 days (7 days if not given). */
    public record CreateLink(Long expiresInSeconds) {
    }

    @Inject
    HttpApi http;
    @Inject
    InvoiceLinks links;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            String order = request.pathParameter("orderId");
            Optional<Long> ttl = event.getBody() == null || event.getBody().isBlank() ? Optional.empty()
                    : Optional.ofNullable(request.body(CreateLink.class).expiresInSeconds());
            InvoiceLinks.Link link = links.create(request.principal(), request.actor(), order, ttl);
            return HttpResult.created("/orders/" + order + "/invoice/links/" + link.linkId(), link);
        });
    }
}
