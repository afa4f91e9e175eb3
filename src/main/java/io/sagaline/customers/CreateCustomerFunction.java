package io.sagaline.customers;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import io.sagaline.customers.CustomerApi.CreateCustomer;
import io.sagaline.platform.http.HttpApi;
import io.sagaline.platform.http.HttpContract;
import io.sagaline.platform.http.HttpResult;

/** HTTP {@code POST /customers}: creates a customer with its credit limit. */
@HttpContract(request = CustomerApi.CreateCustomer.class, response = CustomerApi.CustomerView.class, status = 201)
@Named("create-customer")
public class CreateCustomerFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApi http;
    @Inject
    CustomerService customers;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            var created = customers.create(request.actor(), request.body(CreateCustomer.class));
            return HttpResult.created("/customers/" + created.customerId(), created);
        });
    }
}
