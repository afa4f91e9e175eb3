package io.sagaline.customers;

import jakarta.inject.Inject;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import io.quarkus.funqy.Funq;
import io.sagaline.customers.CustomerApi.CreateCustomer;
import io.sagaline.platform.http.ApiException;
import io.sagaline.platform.http.HttpApi;
import io.sagaline.platform.http.HttpResult;

/** HTTP: {@code POST /customers}, {@code GET /customers/{customerId}}. */
public class CustomerFunctions {

    @Inject
    HttpApi http;
    @Inject
    CustomerService customers;

    @Funq("create-customer")
    public APIGatewayV2HTTPResponse createCustomer(APIGatewayV2HTTPEvent event) {
        return http.handle(event, request -> {
            var created = customers.create(request.tenant(), request.body(CreateCustomer.class));
            return HttpResult.created("/customers/" + created.customerId(), created);
        });
    }

    @Funq("get-customer")
    public APIGatewayV2HTTPResponse getCustomer(APIGatewayV2HTTPEvent event) {
        return http.handle(event, request -> {
            String id = request.pathParameter("customerId");
            return HttpResult.ok(customers.find(request.tenant(), id)
                    .orElseThrow(() -> ApiException.notFound("customer", id)));
        });
    }
}
