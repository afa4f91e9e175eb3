package io.sagaline.inventory;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import io.sagaline.inventory.ProductApi.Restock;
import io.sagaline.platform.http.ApiException;
import io.sagaline.platform.http.HttpApi;
import io.sagaline.platform.http.HttpContract;
import io.sagaline.platform.http.HttpResult;

/** HTTP {@code POST /products/{sku}/restock}: adds stock. */
@HttpContract(request = ProductApi.Restock.class, response = ProductApi.ProductView.class)
@Named("restock-product")
public class RestockProductFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApi http;
    @Inject
    ProductService products;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            String sku = request.pathParameter("sku");
            Restock restock = request.body(Restock.class);
            return HttpResult.ok(products.restock(request.tenant(), sku, restock.quantity())
                    .orElseThrow(() -> ApiException.notFound("product", sku)));
        });
    }
}
