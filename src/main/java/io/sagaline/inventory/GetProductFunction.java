package io.sagaline.inventory;

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

/** HTTP {@code GET /products/{sku}}: stock, reserved and available. */
@HttpContract(response = ProductApi.ProductView.class)
@Named("get-product")
public class GetProductFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApi http;
    @Inject
    ProductService products;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            String sku = request.pathParameter("sku");
            return HttpResult.ok(products.find(request.tenant(), sku).orElseThrow(() -> ApiException.notFound("product", sku)));
        });
    }
}
