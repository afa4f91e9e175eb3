package io.sagaline.support;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.eclipse.microprofile.config.ConfigProvider;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;

/** The HTTP API as a caller uses it, through the local gateway. */
public final class Api {

    public static final String DEMO_KEY = "local-demo-key";
    public static final String OTHER_KEY = "local-other-key";

    private Api() {
    }

    public static RequestSpecification as(String apiKey) {
        return gateway().header("x-api-key", apiKey).contentType(ContentType.JSON);
    }

    /**
     * The local API Gateway. Quarkus' Lambda test support points RestAssured's default port at
     * the mock Lambda event server, so every request names the HTTP port explicitly.
     */
    public static RequestSpecification gateway() {
        return given().baseUri("http://localhost")
                .port(ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class));
    }

    public static RequestSpecification demo() {
        return as(DEMO_KEY);
    }

    public static String newCustomer(long creditLimitCents) {
        return demo().body(Map.of("name", "Ada", "email", "ada@example.com", "creditLimitCents", creditLimitCents))
                .post("/customers").then().statusCode(201).extract().path("customerId");
    }

    public static String newProduct(long unitPriceCents, long stock) {
        String sku = "SKU-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        demo().body(Map.of("sku", sku, "name", "Mug", "unitPriceCents", unitPriceCents, "stock", stock))
                .post("/products").then().statusCode(201);
        return sku;
    }

    /** Places an order of {@code sku, quantity, sku, quantity, ...}; returns its id. */
    public static String placeOrder(String customerId, String paymentToken, Object... skuQuantityPairs) {
        return demo().body(order(customerId, paymentToken, skuQuantityPairs)).post("/orders")
                .then().statusCode(202).extract().path("orderId");
    }

    public static Map<String, Object> order(String customerId, String paymentToken, Object... skuQuantityPairs) {
        List<Map<String, Object>> items = new ArrayList<>();
        for (int i = 0; i < skuQuantityPairs.length; i += 2) {
            items.add(Map.of("sku", skuQuantityPairs[i], "quantity", skuQuantityPairs[i + 1]));
        }
        return Map.of("customerId", customerId, "items", items, "paymentToken", paymentToken);
    }

    /** Waits until the saga has decided the order; returns the order as GET answers it. */
    public static JsonPath awaitDecided(String orderId) {
        // No first delay: most callers ask after the verdict (a delay of 50 ms each added 10 s to 200 orders)
        await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20)).until(
                () -> !"PENDING".equals(demo().get("/orders/" + orderId).then().statusCode(200).extract().path("status")));
        return demo().get("/orders/" + orderId).then().statusCode(200).extract().jsonPath();
    }

    public static JsonPath product(String sku) {
        return demo().get("/products/" + sku).then().statusCode(200).extract().jsonPath();
    }

    public static long available(String sku) {
        return product(sku).getLong("available");
    }

    public static long availableCredit(String customerId) {
        return demo().get("/customers/" + customerId).then().statusCode(200).extract().jsonPath()
                .getLong("availableCreditCents");
    }
}
