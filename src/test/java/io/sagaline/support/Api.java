package io.sagaline.support;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.eclipse.microprofile.config.ConfigProvider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;

/** The HTTP API as a caller uses it, through the local gateway. */
public final class Api {

    public static final String DEMO_KEY = "local-demo-key";
    public static final String OTHER_KEY = "local-other-key";

    /*
     * The helpers that tests call in loops and in awaits, through the JDK's client and Jackson.
     * RestAssured evaluates every path and builds every request in Groovy, which here costs tens of
     * milliseconds of CPU per call (a Groovy class compiled per path, class-loader lookups across
     * every jar): an await polling through it every 20 ms took one of the two cores from the
     * system under test (JFR of GatewayUnderLoadTest, 2026-12-01). Tests that look at one answer
     * closely still use RestAssured.
     */
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

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
        return send("POST", "/customers",
                Map.of("name", "Ada", "email", "ada@example.com", "creditLimitCents", creditLimitCents),
                201).get("customerId").asText();
    }

    public static String newProduct(long unitPriceCents, long stock) {
        String sku = "SKU-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        send("POST", "/products", Map.of("sku", sku, "name", "Mug", "unitPriceCents", unitPriceCents, "stock", stock), 201);
        return sku;
    }

    /** Places an order of {@code sku, quantity, sku, quantity, ...}; returns its id. */
    public static String placeOrder(String customerId, String paymentToken, Object... skuQuantityPairs) {
        return send("POST", "/orders", order(customerId, paymentToken, skuQuantityPairs), 202).get("orderId").asText();
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
        await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
                .until(() -> !"PENDING".equals(status(orderId)));
        return JsonPath.from(get("/orders/" + orderId, 200).toString());
    }

    /** The order's status as GET /orders/{id} answers it (which must be 200). */
    public static String status(String orderId) {
        return get("/orders/" + orderId, 200).get("status").asText();
    }

    public static JsonPath product(String sku) {
        return JsonPath.from(get("/products/" + sku, 200).toString());
    }

    public static long available(String sku) {
        return get("/products/" + sku, 200).get("available").asLong();
    }

    public static long availableCredit(String customerId) {
        return get("/customers/" + customerId, 200).get("availableCreditCents").asLong();
    }

    /** GET as tenant demo; fails unless the answer has {@code expectedStatus}. */
    public static JsonNode get(String path, int expectedStatus) {
        return exchange(request(path).GET(), path, expectedStatus);
    }

    /** The status of GET {@code path} as tenant demo. */
    public static int statusCode(String path) {
        return call(request(path).GET(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** {@code method} with a JSON body as tenant demo; fails unless the answer has {@code expectedStatus}. */
    public static JsonNode send(String method, String path, Object body, int expectedStatus) {
        try {
            return exchange(request(path).header("content-type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))), path,
                    expectedStatus);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static HttpRequest.Builder request(String path) {
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(Duration.ofSeconds(60))
                .header("x-api-key", DEMO_KEY);
    }

    private static JsonNode exchange(HttpRequest.Builder request, String path, int expectedStatus) {
        HttpResponse<String> response = call(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expectedStatus) {
            throw new AssertionError(path + ": expected status " + expectedStatus + " but was " + response.statusCode()
                    + ": " + response.body());
        }
        try {
            return response.body().isEmpty() ? JSON.missingNode() : JSON.readTree(response.body());
        } catch (JsonProcessingException e) {
            throw new AssertionError(path + ": not JSON: " + response.body(), e);
        }
    }

    private static <T> HttpResponse<T> call(HttpRequest.Builder request, HttpResponse.BodyHandler<T> body) {
        try {
            return HTTP.send(request.build(), body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
