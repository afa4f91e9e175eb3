package io.sagaline.inventory;

import jakarta.inject.Inject;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import io.quarkus.funqy.Funq;
import io.sagaline.inventory.ProductApi.CreateProduct;
import io.sagaline.inventory.ProductApi.Restock;
import io.sagaline.platform.http.ApiException;
import io.sagaline.platform.http.HttpApi;
import io.sagaline.platform.http.HttpResult;

/** HTTP: {@code POST /products}, {@code GET /products/{sku}}, {@code POST /products/{sku}/restock}. */
public class ProductFunctions {

    @Inject
    HttpApi http;
    @Inject
    ProductService products;

    @Funq("create-product")
    public APIGatewayV2HTTPResponse createProduct(APIGatewayV2HTTPEvent event) {
        return http.handle(event, request -> {
            var created = products.create(request.tenant(), request.body(CreateProduct.class));
            return HttpResult.created("/products/" + created.sku(), created);
        });
    }

    @Funq("get-product")
    public APIGatewayV2HTTPResponse getProduct(APIGatewayV2HTTPEvent event) {
        return http.handle(event, request -> {
            String sku = request.pathParameter("sku");
            return HttpResult.ok(products.find(request.tenant(), sku)
                    .orElseThrow(() -> ApiException.notFound("product", sku)));
        });
    }

    @Funq("restock-product")
    public APIGatewayV2HTTPResponse restockProduct(APIGatewayV2HTTPEvent event) {
        return http.handle(event, request -> {
            String sku = request.pathParameter("sku");
            Restock restock = request.body(Restock.class);
            return HttpResult.ok(products.restock(request.tenant(), sku, restock.quantity())
                    .orElseThrow(() -> ApiException.notFound("product", sku)));
        });
    }
}
