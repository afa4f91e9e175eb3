package io.sagaline.customers;

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

/** HTTP {@code DELETE /customers/{customerId}}: erases the customer's personal data everywhere (the right to erasure). */
@HttpContract(response = Void.class, status = 204)
@Named("delete-customer")
public class DeleteCustomerFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApi http;
    @Inject
    CustomerService customers;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            String id = request.pathParameter("customerId");
            if (!customers.erase(request.actor(), id)) {
                throw ApiException.notFound("customer", id);
            }
            return HttpResult.noContent();
        });
    }
}
