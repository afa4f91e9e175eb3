package io.sagaline.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.sagaline.local.LocalFunctions;
import io.sagaline.platform.http.Principal;
import io.sagaline.platform.http.RateLimiter;
import io.sagaline.support.Api;
import io.sagaline.support.EmbeddedRedis;

/**
 * Rate limits per key and per tenant, through the local gateway: a burst past a limit is 429 with
 * Retry-After and the RateLimit fields, other keys go on; the buckets live in Redis, so two
 * instances share them; Redis away, reads go on and order writes are refused (503).
 */
@QuarkusTest
class RateLimitTest {

    @Inject
    LocalFunctions functions;
    @Inject
    ObjectMapper json;
    @Inject
    ReactiveRedisDataSource redis;
    @Inject
    RateLimiter.Config config;
    @Inject
    RateLimiter limiter;

    private String key(String tenant, double perSecond, int burst) {
        try {
            JsonNode issued = json.readTree(functions.invoke("manage-api-keys", json.writeValueAsBytes(Map.of("action",
                    "create", "tenant", tenant, "name", "rate limit test", "scopes", List.of("catalog:read"),
                    "ratePerSecond", perSecond, "burst", burst))));
            assertThat(issued.get("rateLimit").asText()).isEqualTo(new RateLimiter.Limit(perSecond, burst).text());
            return issued.get("apiKey").asText();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Response read(String key) {
        return Api.as(key).get("/products/NO-SUCH-SKU-RL");
    }

    @Test
    void aBurstPastAKeysLimit_is429WithRetryAfterAndTheRateLimitFields_andAnotherKeyGoesOn() {
        String limited = key("demo", 0.01, 5); // a token every 100 s: nothing refills during the test
        String other = key("demo", 0.01, 5);
        for (int i = 0; i < 5; i++) {
            read(limited).then().statusCode(404)
                    .header("RateLimit-Policy", containsString("\"key\";q=5;w=500"))
                    .header("RateLimit", containsString("\"key\";r=" + (4 - i) + ";"));
        }
        read(limited).then().statusCode(429).contentType("application/problem+json")
                .body("title", equalTo("Too many requests"))
                .header("Retry-After", equalTo("100"))
                .header("RateLimit", containsString("\"key\";r=0;t=500"))
                .header("RateLimit-Policy", containsString("\"tenant\";q="));
        read(other).then().statusCode(404).header("RateLimit", containsString("\"key\";r=4;"));
    }

    @Test
    void theDefaultKeyLimit_holdsLocally_againstABurstOfAThousandRequests() throws Exception {
        JsonNode issued = json.readTree(functions.invoke("manage-api-keys", json.writeValueAsBytes(Map.of("action", "create",
                "tenant", "demo", "name", "default limits", "scopes", List.of("catalog:read")))));
        assertThat(issued.get("rateLimit").asText()).isEqualTo("default");
        String key = issued.get("apiKey").asText();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        int port = org.eclipse.microprofile.config.ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        java.net.http.HttpRequest request = java.net.http.HttpRequest
                .newBuilder(java.net.URI.create("http://localhost:" + port + "/products/NO-SUCH-SKU-RL"))
                .header("x-api-key", key).build();
        ExecutorService callers = Executors.newFixedThreadPool(8);
        List<Future<Integer>> statuses = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < 1000; i++) {
            statuses.add(callers.submit(() -> http.send(request, java.net.http.HttpResponse.BodyHandlers.discarding())
                    .statusCode()));
        }
        int served = 0;
        int refused = 0;
        for (Future<Integer> status : statuses) {
            int code = status.get();
            served += code == 404 ? 1 : 0;
            refused += code == 429 ? 1 : 0;
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        callers.shutdown();
        assertThat(served + refused).isEqualTo(1000);
        // burst 100, then 50 a second (application.properties): never more, whatever the machine's speed
        assertThat(served).as("served in %.2f s", seconds).isLessThanOrEqualTo(100 + (int) Math.ceil(50 * seconds) + 1)
                .isGreaterThanOrEqualTo(100);
        assertThat(refused).isPositive();
    }

    @Test
    void aTenantsLimit_holdsAcrossAllItsKeys() {
        // tenant "limited": 3 requests, then a token every 1,000 s (application.properties, test profile);
        // its bucket starts full whatever an earlier run left in a Redis kept across runs
        redis.execute("DEL", "ratelimit:{limited}:tenant").await().atMost(Duration.ofSeconds(5));
        String first = key("limited", 1000, 1000);
        String second = key("limited", 1000, 1000);
        read(first).then().statusCode(404).header("RateLimit", containsString("\"tenant\";r=2;"));
        read(second).then().statusCode(404).header("RateLimit", containsString("\"tenant\";r=1;"));
        read(first).then().statusCode(404).header("RateLimit", containsString("\"tenant\";r=0;"));
        read(second).then().statusCode(429).header("Retry-After", equalTo("1000"));
        read(first).then().statusCode(429);
    }

    @Test
    void aRedisThatLostItsScripts_isSentTheScriptAgain_andTheLimitHolds() {
        Principal p = new Principal(UUID.randomUUID().toString(), "demo", Set.of("catalog:read"),
                new RateLimiter.Limit(0.01, 2), null);
        assertThat(limiter.take(p, Optional.of(p.rateLimit())).allowed()).isTrue();
        redis.execute("SCRIPT", "FLUSH").await().atMost(Duration.ofSeconds(5)); // as after a restart or failover
        assertThat(limiter.take(p, Optional.of(p.rateLimit())).allowed()).as("EVALSHA missed, EVAL sent it").isTrue();
        assertThat(limiter.take(p, Optional.of(p.rateLimit())).allowed()).as("burst 2 spent").isFalse();
    }

    @Test
    void twoInstancesSharingRedis_spendOneBucket_evenAllAtOnce() throws Exception {
        RateLimiter one = new RateLimiter(redis, config);
        RateLimiter two = new RateLimiter(redis, config);
        Principal p = new Principal(UUID.randomUUID().toString(), "demo", Set.of("catalog:read"),
                new RateLimiter.Limit(0.01, 10), null);
        ExecutorService callers = Executors.newFixedThreadPool(16);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> answers = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            RateLimiter instance = i % 2 == 0 ? one : two;
            answers.add(callers.submit(() -> {
                go.await();
                return instance.take(p, Optional.of(p.rateLimit())).allowed();
            }));
        }
        go.countDown();
        int allowed = 0;
        for (Future<Boolean> answer : answers) {
            allowed += answer.get() ? 1 : 0;
        }
        callers.shutdown();
        assertThat(allowed).as("requests let through of 60 at once on two instances, burst 10").isEqualTo(10);
    }

    @Test
    void redisAway_readsAreServedWithoutTheFields_butOrdersAreRefused503_untilItReturns() throws Exception {
        String customer = Api.newCustomer(10_000);
        EmbeddedRedis.stop();
        try {
            Api.demo().get("/products/NO-SUCH-SKU-RL").then().statusCode(404).header("RateLimit", nullValue());
            Api.demo().contentType("application/json")
                    .body(Map.of("customerId", customer, "paymentToken", "tok_ok", "lines",
                            List.of(Map.of("sku", "NO-SUCH-SKU-RL", "quantity", 1))))
                    .post("/orders").then().statusCode(503).contentType("application/problem+json")
                    .header("Retry-After", equalTo("1"));
        } finally {
            EmbeddedRedis.restart();
        }
        // Back: once the breaker lets a call through again, the fields come back (and orders with them).
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> Api.demo().get("/products/NO-SUCH-SKU-RL").header("RateLimit") != null);
    }
}
