package io.sagaline.api;

import static io.sagaline.support.Api.awaitDecided;
import static io.sagaline.support.Api.newCustomer;
import static io.sagaline.support.Api.newProduct;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.support.Api;
import io.sagaline.support.Db;

/**
 * Bursts of concurrent {@code POST /orders}, each request on its own connection at once. Every
 * request that stored an order is answered 202 with its id: no burst gets a 5xx (a function that
 * calls back into the local runtime, as place-order calls StartExecution, must never wait for a
 * thread its own caller holds), and a key still in flight is answered with the first request's order.
 */
@QuarkusTest
class GatewayUnderLoadTest {

    @Inject
    AgroalDataSource dataSource;
    @Inject
    ObjectMapper json;

    record Answer(int status, String body) {
    }

    @Test
    void aThousandConcurrentRequestsWithOneIdempotencyKey_allAnswer202WithTheOneOrderTheyMade() throws Exception {
        String sku = newProduct(500, 10);
        String body = json.writeValueAsString(Api.order(newCustomer(100_000), "tok_ok", sku, 3));
        String key = "burst-" + UUID.randomUUID();

        List<Answer> answers = burst(1_000, i -> Optional.of(key), i -> body);

        assertThat(statuses(answers)).as("answers by status; " + firstOther(answers)).isEqualTo(Map.of(202, 1_000L));
        List<String> ids = answers.stream().map(a -> orderId(a.body())).distinct().toList();
        assertThat(ids).as("one order for one key").hasSize(1);
        assertThat(awaitDecided(ids.get(0)).getString("status")).isEqualTo("APPROVED");
        assertThat(new Db(dataSource).rows("select id from orders.orders where id = ?::uuid", ids.get(0))).hasSize(1);
        assertThat(Api.available(sku)).as("its stock reserved once").isEqualTo(7);
    }

    @Test
    void twoHundredConcurrentOrders_allAnswer202AndEveryOneIsDecided() throws Exception {
        // Ten customers and ten products, so that the sagas do not all queue for one row's lock.
        List<String> skus = new ArrayList<>();
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String sku = newProduct(100, 1_000);
            skus.add(sku);
            bodies.add(json.writeValueAsString(Api.order(newCustomer(1_000_000), "tok_ok", sku, 1)));
        }

        List<Answer> answers = burst(200, i -> i % 2 == 0 ? Optional.of("distinct-" + UUID.randomUUID()) : Optional.empty(),
                i -> bodies.get(i % bodies.size()));

        assertThat(statuses(answers)).as("answers by status; " + firstOther(answers)).isEqualTo(Map.of(202, 200L));
        List<String> ids = answers.stream().map(a -> orderId(a.body())).distinct().toList();
        assertThat(ids).as("one order per request").hasSize(200);
        for (String id : ids) {
            assertThat(awaitDecided(id).getString("status")).isEqualTo("APPROVED");
        }
        for (String sku : skus) {
            assertThat(Api.available(sku)).isEqualTo(1_000 - 20);
        }
    }

    interface Keys {
        Optional<String> of(int request);
    }

    private static List<Answer> burst(int requests, Keys keys, java.util.function.IntFunction<String> bodies) {
        URI orders = URI.create(
                "http://localhost:" + ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class) + "/orders");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(30)).build();
        List<CompletableFuture<Answer>> sent = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(orders).timeout(Duration.ofSeconds(120))
                    .header("x-api-key", Api.DEMO_KEY).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(bodies.apply(i)));
            keys.of(i).ifPresent(k -> request.header("Idempotency-Key", k));
            sent.add(client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
                    .thenApply(r -> new Answer(r.statusCode(), r.body())));
        }
        return sent.stream().map(CompletableFuture::join).toList();
    }

    private static Map<Integer, Long> statuses(List<Answer> answers) {
        return answers.stream().collect(Collectors.groupingBy(Answer::status, TreeMap::new, Collectors.counting()));
    }

    private static String firstOther(List<Answer> answers) {
        return answers.stream().filter(a -> a.status() != 202).findFirst().map(a -> "first other answer: " + a)
                .orElse("all 202");
    }

    private String orderId(String body) {
        try {
            return json.readTree(body).get("orderId").asText();
        } catch (Exception e) {
            throw new AssertionError("not an order: " + body, e);
        }
    }
}
