package io.sagaline.inventory;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import io.sagaline.inventory.ProductApi.CreateProduct;
import io.sagaline.platform.http.HttpApi;
import io.sagaline.platform.http.HttpContract;
import io.sagaline.platform.http.HttpResult;

/** HTTP {@code POST /products}: creates a product with its price and stock; 409 if the sku exists. */
@HttpContract(request = ProductApi.CreateProduct.class, response = ProductApi.ProductView.class, status = 201)
@Named("create-product")
public class CreateProductFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApi http;
    @Inject
    ProductService products;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            var created = products.create(request.tenant(), request.body(CreateProduct.class));
            return HttpResult.created("/products/" + created.sku(), created);
        });
    }
}
