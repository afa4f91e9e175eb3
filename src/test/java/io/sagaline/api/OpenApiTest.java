package io.sagaline.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.sagaline.platform.Catalog;
import io.sagaline.support.Api;

/**
 * The OpenAPI document is generated from the catalog and the functions' types: every HTTP route
 * is in it with its function as the operation, and the bodies carry the constraints the functions
 * validate. Swagger UI serves it.
 */
@QuarkusTest
class OpenApiTest {

    @Inject
    Catalog catalog;

    @Test
    void everyRouteOfTheCatalog_isAnOperationOfTheDocument_withItsBodiesAndTheirConstraints() {
        JsonPath document = Api.gateway().get("/q/openapi?format=json").then().statusCode(200).extract().jsonPath();

        List<Catalog.Function> http = catalog.functions().stream().filter(f -> f.trigger().isHttp()).toList();
        assertThat(http).isNotEmpty();
        for (Catalog.Function f : http) {
            Map<String, Object> operation = document.getMap("paths.'" + f.trigger().path() + "'."
                    + f.trigger().method().toLowerCase(Locale.ROOT));
            assertThat(operation).as(f.trigger().routeKey()).isNotNull().containsEntry("operationId", f.name());
        }
        assertThat(document.getMap("paths.'/orders'.post.responses")).containsKeys("202", "4XX");
        assertThat(document.getList("paths.'/orders'.post.parameters.name")).contains("Idempotency-Key");
        assertThat(document.getList("paths.'/orders/{orderId}'.get.parameters.name")).contains("orderId", "asOf");
        assertThat(document.getList("components.schemas.PlaceOrder.required")).contains("customerId", "items",
                "paymentToken");
        assertThat(document.getString("components.schemas.PlaceOrder.properties.customerId.pattern"))
                .contains("[0-9a-fA-F]{8}");
        assertThat(document.getString("components.schemas.Item.properties.quantity.minimum")).isEqualTo("1");
        assertThat(document.getString("components.schemas.CreateCustomer.properties.email.format")).isEqualTo("email");
        assertThat(document.getList("components.schemas.OrderView.properties.status.enum")).contains("PENDING", "APPROVED",
                "REJECTED", "CANCELLED");
        assertThat(document.getList("components.schemas.OrderView.properties.rejectionReason.enum"))
                .contains("SYSTEM_ERROR");
        assertThat(document.getMap("components.securitySchemes.apiKey")).containsEntry("name", "x-api-key");
    }

    @Test
    void swaggerUi_servesTheDocument() {
        assertThat(Api.gateway().redirects().follow(true).get("/q/swagger-ui/").then().statusCode(200).extract()
                .contentType()).startsWith("text/html");
    }
}
