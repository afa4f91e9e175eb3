package io.sagaline.webhooks;

import static io.sagaline.support.Api.awaitDecided;
import static io.sagaline.support.Api.demo;
import static io.sagaline.support.Api.newCustomer;
import static io.sagaline.support.Api.newProduct;
import static io.sagaline.support.Api.placeOrder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.sagaline.platform.messaging.Queues;
import io.sagaline.support.Api;
import io.sagaline.support.ManualClock;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Webhooks end to end, against a receiver this test runs on a free local port: subscriptions and
 * their refusals, signed deliveries of orders' verdicts (verified as the README tells a receiver
 * to), retries with backoff on a controlled clock, the dead-letter queue and the replay, rotation,
 * per-order ordering, and tenants kept apart.
 */
@QuarkusTest
class WebhooksTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    SqsClient sqs;
    @Inject
    Queues queues;

    private final List<Receiver> receivers = new ArrayList<>();
    private final List<String[]> subscriptions = new ArrayList<>();

    @AfterEach
    void deleteSubscriptionsAndStopReceivers() {
        for (String[] s : subscriptions) {
            Api.as(s[0]).delete("/webhooks/" + s[1]);
        }
        receivers.forEach(Receiver::close);
    }

    @Test
    void anApprovedAndARejectedOrder_areEachDeliveredOnce_withAValidSignature() throws Exception {
        Receiver receiver = receiver();
        JsonNode webhook = subscribe(Api.DEMO_KEY, receiver.url(), "OrderApproved", "OrderRejected");
        String secret = webhook.get("secret").asText();
        assertThat(secret).startsWith("whsec_");

        String customer = newCustomer(50_000);
        String sku = newProduct(1_000, 10);
        String approved = placeOrder(customer, "tok_ok", sku, 2);
        String rejected = placeOrder(customer, "tok_declined", sku, 1);

        Received a = receiver.awaitFor(approved, 1).get(0);
        Received r = receiver.awaitFor(rejected, 1).get(0);
        assertThat(a.json().get("type").asText()).isEqualTo("OrderApproved");
        assertThat(a.json().get("data").get("status").asText()).isEqualTo("APPROVED");
        assertThat(a.json().get("data").get("totalCents").asLong()).isEqualTo(2_000);
        assertThat(r.json().get("type").asText()).isEqualTo("OrderRejected");
        assertThat(r.json().get("data").get("rejectionReason").asText()).isEqualTo("PAYMENT_DECLINED");
        for (Received each : List.of(a, r)) {
            assertThat(each.header("webhook-id")).isEqualTo(each.json().get("id").asText());
            assertThat(each.verifies(secret, Instant.now())).as("the documented verification accepts it").isTrue();
        }
        // the delivery log (once the attempt the receiver answered is recorded): each once, delivered at its first attempt
        for (String order : List.of(approved, rejected)) {
            JsonNode delivery = awaitAttempts(webhook.get("webhookId").asText(), order, 1);
            assertThat(delivery.get("status").asText()).isEqualTo("DELIVERED");
            assertThat(delivery.get("attempts")).hasSize(1);
            assertThat(delivery.get("attempts").get(0).get("responseStatus").asInt()).isEqualTo(204);
            assertThat(delivery.get("attempts").get(0).get("outcome").asText()).isEqualTo("DELIVERED");
        }
        assertThat(receiver.receivedFor(approved)).hasSize(1);
        assertThat(receiver.receivedFor(rejected)).hasSize(1);
    }

    @Test
    void aForgedOrStaleSignature_isRefusedByTheDocumentedVerification() throws Exception {
        Receiver receiver = receiver();
        String secret = subscribe(Api.DEMO_KEY, receiver.url(), "OrderApproved").get("secret").asText();
        String order = placeOrder(newCustomer(50_000), "tok_ok", newProduct(1_000, 10), 1);
        Received got = receiver.awaitFor(order, 1).get(0);
        Instant sent = Instant.ofEpochSecond(Long.parseLong(got.header("webhook-timestamp")));

        assertThat(got.verifies(secret, sent)).isTrue();
        assertThat(got.verifies(WebhookSignatures.newSecret(), sent)).as("another secret").isFalse();
        assertThat(WebhookSignatures.verify(secret, got.header("webhook-id"), got.header("webhook-timestamp"),
                got.body().replace("APPROVED", "REJECTED"), got.header("webhook-signature"), sent, Duration.ofMinutes(5)))
                .as("a body changed on the way").isFalse();
        assertThat(WebhookSignatures.verify(secret, got.header("webhook-id"),
                Long.toString(sent.getEpochSecond() + 1), got.body(), got.header("webhook-signature"), sent,
                Duration.ofMinutes(5))).as("a timestamp changed on the way").isFalse();
        assertThat(got.verifies(secret, sent.plus(Duration.ofMinutes(6)))).as("a replay six minutes later").isFalse();
    }

    @Test
    void aReceiverThatFailsThreeTimes_getsTheEventOnTheFourthAttempt_afterExponentialBackoffs() throws Exception {
        ManualClock clock = new ManualClock(Instant.now());
        QuarkusMock.installMockForType(clock, Clock.class);
        Receiver receiver = receiver(500, 500, 503);
        JsonNode webhook = subscribe(Api.DEMO_KEY, receiver.url(), "OrderApproved");
        String id = webhook.get("webhookId").asText();
        String order = placeOrder(newCustomer(50_000), "tok_ok", newProduct(1_000, 10), 1);

        Instant previous = null;
        for (int attempt = 1; attempt <= 4; attempt++) {
            receiver.awaitFor(order, attempt);
            JsonNode delivery = awaitAttempts(id, order, attempt);
            JsonNode last = delivery.get("attempts").get(attempt - 1);
            Instant started = Instant.parse(last.get("startedAt").asText());
            if (previous != null) {
                // attempt n+1 waits half of 10 s * 2^(n-1), plus up to as much again
                long ceiling = 10_000L << (attempt - 2);
                assertThat(Duration.between(previous, started).toMillis()).as("wait before attempt " + attempt)
                        .isBetween(ceiling / 2, ceiling);
            }
            if (attempt < 4) {
                assertThat(last.get("outcome").asText()).isEqualTo("FAILED");
                assertThat(delivery.get("status").asText()).isEqualTo("PENDING");
                Instant next = Instant.parse(delivery.get("nextAttemptAt").asText());
                assertThat(receiver.receivedFor(order)).as("nothing before the clock reaches the next attempt")
                        .hasSize(attempt);
                clock.advance(Duration.between(clock.instant(), next));
            } else {
                assertThat(last.get("outcome").asText()).isEqualTo("DELIVERED");
                assertThat(delivery.get("status").asText()).isEqualTo("DELIVERED");
            }
            previous = started;
        }
        JsonNode attempts = deliveryOf(Api.get("/webhooks/" + id + "/deliveries", 200), order).get("attempts");
        assertThat(attempts).extracting(a -> a.get("responseStatus").asInt()).containsExactly(500, 500, 503, 204);
        List<Received> got = receiver.receivedFor(order);
        assertThat(got).extracting(r -> r.header("webhook-id")).as("one event id on every attempt").containsOnly(
                got.get(0).header("webhook-id"));
        assertThat(got.get(3).verifies(webhook.get("secret").asText(), clock.instant())).isTrue();
    }

    @Test
    void aReceiverDownForGood_endsInTheDeadLetterQueue_andTheReplayDeliversIt() throws Exception {
        ManualClock clock = new ManualClock(Instant.now());
        QuarkusMock.installMockForType(clock, Clock.class);
        Receiver receiver = receiver();
        receiver.failAlways(503);
        JsonNode webhook = subscribe(Api.DEMO_KEY, receiver.url(), "OrderApproved");
        String id = webhook.get("webhookId").asText();
        String order = placeOrder(newCustomer(50_000), "tok_ok", newProduct(1_000, 10), 1);
        receiver.awaitFor(order, 1);
        assertThat(awaitAttempts(id, order, 1).get("status").asText()).isEqualTo("PENDING");

        clock.advance(Duration.ofHours(25)); // past the retry period: the next attempt is the last
        receiver.awaitFor(order, 2);
        JsonNode dead = await().atMost(Duration.ofSeconds(30)).until(
                () -> deliveryOf(Api.get("/webhooks/" + id + "/deliveries", 200), order),
                d -> d.get("status").asText().equals("FAILED"));
        assertThat(dead.get("failedAt").isNull()).isFalse();
        assertThat(dead.get("nextAttemptAt").isNull()).isTrue();
        String deliveryId = dead.get("deliveryId").asText();
        assertThat(awaitDeadLetter(deliveryId)).as("its cue is in the dead-letter queue").isTrue();

        receiver.failAlways(0);
        Response replayed = Api.demo().post("/webhooks/" + id + "/deliveries/" + deliveryId + "/replay");
        replayed.then().statusCode(202);
        assertThat(replayed.jsonPath().getString("status")).isEqualTo("PENDING");
        List<Received> got = receiver.awaitFor(order, 3);
        assertThat(got.get(2).verifies(webhook.get("secret").asText(), clock.instant())).isTrue();
        JsonNode delivered = await().atMost(Duration.ofSeconds(30)).until(
                () -> deliveryOf(Api.get("/webhooks/" + id + "/deliveries", 200), order),
                d -> d.get("status").asText().equals("DELIVERED"));
        assertThat(delivered.get("attempts")).extracting(a -> a.get("outcome").asText()).containsExactly("FAILED", "FAILED",
                "DELIVERED");

        // a replay of what does not exist, or of another tenant's, is a 404
        Api.demo().post("/webhooks/" + id + "/deliveries/" + java.util.UUID.randomUUID() + "/replay").then().statusCode(404);
        Api.as(Api.OTHER_KEY).post("/webhooks/" + id + "/deliveries/" + deliveryId + "/replay").then().statusCode(404);
    }

    @Test
    void anOrdersEvents_reachASubscriptionInTheOrderTheyHappened_evenWhenTheFirstIsRetried() throws Exception {
        ManualClock clock = new ManualClock(Instant.now());
        QuarkusMock.installMockForType(clock, Clock.class);
        Receiver receiver = receiver(500);
        String id = subscribe(Api.DEMO_KEY, receiver.url(), "OrderApproved", "OrderCancelled").get("webhookId").asText();
        String order = placeOrder(newCustomer(50_000), "tok_ok", newProduct(1_000, 10), 1);
        receiver.awaitFor(order, 1);
        awaitAttempts(id, order, 1);
        assertThat(awaitDecided(order).getString("status")).isEqualTo("APPROVED");
        demo().post("/orders/" + order + "/cancel").then().statusCode(202);
        await().atMost(Duration.ofSeconds(30)).until(() -> Api.get("/webhooks/" + id + "/deliveries", 200).get("items")
                .size() >= 2 && countFor(Api.get("/webhooks/" + id + "/deliveries", 200), order) == 2);
        assertThat(receiver.receivedFor(order)).as("the cancellation waits for the approval").hasSize(1);

        JsonNode approval = deliveryOf(Api.get("/webhooks/" + id + "/deliveries", 200), order, "OrderApproved");
        clock.advance(Duration.between(clock.instant(), Instant.parse(approval.get("nextAttemptAt").asText())));
        List<Received> got = receiver.awaitFor(order, 3);
        assertThat(got).extracting(r -> r.json().get("type").asText()).containsExactly("OrderApproved", "OrderApproved",
                "OrderCancelled");
    }

    @Test
    void aRotatedSecret_signsBesideTheOldOne_forTheOverlap() throws Exception {
        Receiver receiver = receiver();
        JsonNode webhook = subscribe(Api.DEMO_KEY, receiver.url(), "OrderApproved");
        String id = webhook.get("webhookId").asText();
        String old = webhook.get("secret").asText();

        JsonNode rotated = Api.send("POST", "/webhooks/" + id + "/rotate-secret", Map.of("overlapSeconds", 3600), 200);
        String fresh = rotated.get("secret").asText();
        assertThat(fresh).startsWith("whsec_").isNotEqualTo(old);
        assertThat(rotated.get("previousSecretExpiresAt").isNull()).isFalse();
        String first = placeOrder(newCustomer(50_000), "tok_ok", newProduct(1_000, 10), 1);
        Received during = receiver.awaitFor(first, 1).get(0);
        assertThat(during.header("webhook-signature").split(" ")).hasSize(2);
        assertThat(during.verifies(old, Instant.now())).as("the old secret, during the overlap").isTrue();
        assertThat(during.verifies(fresh, Instant.now())).as("the new secret").isTrue();

        String newest = Api.send("POST", "/webhooks/" + id + "/rotate-secret", Map.of("overlapSeconds", 0), 200)
                .get("secret").asText();
        String second = placeOrder(newCustomer(50_000), "tok_ok", newProduct(1_000, 10), 1);
        Received after = receiver.awaitFor(second, 1).get(0);
        assertThat(after.verifies(newest, Instant.now())).isTrue();
        assertThat(after.verifies(fresh, Instant.now())).as("no overlap asked: the replaced secret no longer signs")
                .isFalse();
        assertThat(Api.get("/webhooks/" + id, 200).has("secret")).as("a secret is shown only when made").isFalse();
        Api.send("POST", "/webhooks/" + id + "/rotate-secret", Map.of("overlapSeconds", 604_801), 400);
    }

    @Test
    void subscriptions_areListedReadAndDeleted_andAnotherTenantNeverSeesOursNorOurEvents() throws Exception {
        Receiver ours = receiver();
        Receiver theirs = receiver();
        JsonNode mine = subscribe(Api.DEMO_KEY, ours.url(), "OrderApproved");
        String id = mine.get("webhookId").asText();
        subscribe(Api.OTHER_KEY, theirs.url(), "OrderApproved", "OrderRejected", "OrderCancelled");

        JsonNode listed = Api.get("/webhooks", 200).get("items");
        assertThat(listed).extracting(w -> w.get("webhookId").asText()).contains(id);
        assertThat(listed).noneMatch(w -> w.has("secret"));
        JsonNode one = Api.get("/webhooks/" + id, 200);
        assertThat(one.get("url").asText()).isEqualTo(ours.url());
        assertThat(one.get("events")).extracting(JsonNode::asText).containsExactly("OrderApproved");

        String order = placeOrder(newCustomer(50_000), "tok_ok", newProduct(1_000, 10), 1);
        ours.awaitFor(order, 1);
        assertThat(theirs.receivedFor(order)).as("the other tenant's webhook").isEmpty();
        Api.as(Api.OTHER_KEY).get("/webhooks/" + id).then().statusCode(404);
        Api.as(Api.OTHER_KEY).get("/webhooks/" + id + "/deliveries").then().statusCode(404);
        Api.as(Api.OTHER_KEY).delete("/webhooks/" + id).then().statusCode(404);
        assertThat(JSON.readTree(Api.as(Api.OTHER_KEY).get("/webhooks").asString()).get("items"))
                .noneMatch(w -> w.get("webhookId").asText().equals(id));

        Receiver witness = receiver();
        subscribe(Api.DEMO_KEY, witness.url(), "OrderApproved");
        demo().delete("/webhooks/" + id).then().statusCode(204);
        demo().get("/webhooks/" + id).then().statusCode(404);
        demo().delete("/webhooks/" + id).then().statusCode(404);
        demo().get("/webhooks/" + id + "/deliveries").then().statusCode(404);
        String later = placeOrder(newCustomer(50_000), "tok_ok", newProduct(1_000, 10), 1);
        witness.awaitFor(later, 1); // the event was fanned out: a subscription that stayed has it
        assertThat(ours.receivedFor(later)).as("nothing is delivered to a deleted subscription").isEmpty();
        assertThat(theirs.receivedFor(later)).isEmpty();
    }

    @Test
    void aUrlThatCouldReachOurOwnNetwork_orABadRequest_isA400() {
        for (String url : List.of("http://10.0.0.7/hooks", "https://192.168.1.20/hooks", "http://172.16.0.1/",
                "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://[::ffff:10.0.0.1]/",
                "http://[fd00::1]/", "http://100.64.0.1/", "http://0.0.0.0:8080/", "ftp://localhost/hooks",
                "file:///etc/passwd", "https://user:secret@localhost/hooks", "http://localhost/hooks#x", "not a url",
                "https://no-such-host.invalid/hooks", "/relative")) {
            Response refused = Api.as(Api.DEMO_KEY)
                    .body(Map.of("url", url, "events", List.of("OrderApproved"))).post("/webhooks");
            assertThat(refused.statusCode()).as(url + ": " + refused.asString()).isEqualTo(400);
            assertThat(refused.jsonPath().getString("errors[0].field")).as(url).isEqualTo("url");
        }
        for (Map<String, Object> body : List.<Map<String, Object>> of(
                Map.of("url", "http://localhost:9/hooks", "events", List.of("OrderShipped")),
                Map.of("url", "http://localhost:9/hooks", "events", List.of()),
                Map.of("url", "http://localhost:9/hooks"))) {
            Response refused = Api.as(Api.DEMO_KEY).body(body).post("/webhooks");
            assertThat(refused.statusCode()).as(body + ": " + refused.asString()).isEqualTo(400);
            assertThat(refused.jsonPath().getString("errors[0].field")).isEqualTo("events");
        }
        assertThat(Api.get("/webhooks", 200).get("items")).noneMatch(w -> w.get("url").asText().contains("10.0.0.7"));
    }

    // ---- helpers

    private JsonNode subscribe(String key, String url, String... events) throws IOException {
        Response created = Api.as(key).body(Map.of("url", url, "events", List.of(events))).post("/webhooks");
        assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
        JsonNode webhook = JSON.readTree(created.asString());
        assertThat(created.header("location")).isEqualTo("/webhooks/" + webhook.get("webhookId").asText());
        subscriptions.add(new String[] { key, webhook.get("webhookId").asText() });
        return webhook;
    }

    /** The order's delivery once the log shows {@code attempts} attempts of it. */
    private static JsonNode awaitAttempts(String webhookId, String order, int attempts) {
        return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(
                () -> deliveryOf(Api.get("/webhooks/" + webhookId + "/deliveries", 200), order),
                d -> d.get("attempts").size() >= attempts);
    }

    private static JsonNode deliveryOf(JsonNode log, String order) {
        for (JsonNode d : log.get("items")) {
            if (d.get("orderId").asText().equals(order)) {
                return d;
            }
        }
        throw new AssertionError("no delivery of order " + order + " in " + log);
    }

    private static JsonNode deliveryOf(JsonNode log, String order, String type) {
        for (JsonNode d : log.get("items")) {
            if (d.get("orderId").asText().equals(order) && d.get("eventType").asText().equals(type)) {
                return d;
            }
        }
        throw new AssertionError("no " + type + " of order " + order + " in " + log);
    }

    private static long countFor(JsonNode log, String order) {
        long n = 0;
        for (JsonNode d : log.get("items")) {
            n += d.get("orderId").asText().equals(order) ? 1 : 0;
        }
        return n;
    }

    private boolean awaitDeadLetter(String deliveryId) {
        String url = queues.url(WebhookDeliveries.QUEUE + "-dlq");
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < until) {
            for (Message m : sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1))
                    .messages()) {
                if (m.body().contains(deliveryId)) {
                    sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle()));
                    return true;
                }
            }
        }
        return false;
    }

    private Receiver receiver(int... firstAnswers) throws IOException {
        Receiver r = new Receiver(firstAnswers);
        receivers.add(r);
        return r;
    }

    record Received(Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name);
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError(body, e);
            }
        }

        /** The README's verification, as a receiver does it: five minutes of tolerance. */
        boolean verifies(String secret, Instant now) {
            return WebhookSignatures.verify(secret, header("webhook-id"), header("webhook-timestamp"), body,
                    header("webhook-signature"), now, Duration.ofMinutes(5));
        }
    }

    /**
     * A receiver on a free port of localhost: answers its first requests with the statuses given, then 204 (or
     * {@link #failAlways}).
     */
    static final class Receiver implements AutoCloseable {
        private final HttpServer server;
        private final Deque<Integer> answers = new ArrayDeque<>();
        private final List<Received> received = new ArrayList<>();
        private volatile int always;

        Receiver(int... firstAnswers) throws IOException {
            for (int a : firstAnswers) {
                answers.add(a);
            }
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
            server.createContext("/hooks", exchange -> {
                Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), v.get(0)));
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                int status;
                synchronized (this) {
                    received.add(new Received(headers, body));
                    Integer next = answers.poll();
                    status = next != null ? next : always != 0 ? always : 204;
                }
                exchange.sendResponseHeaders(status, -1);
                exchange.close();
            });
            server.start();
        }

        String url() {
            return "http://localhost:" + server.getAddress().getPort() + "/hooks";
        }

        void failAlways(int status) {
            always = status;
        }

        synchronized List<Received> receivedFor(String order) {
            return received.stream().filter(r -> r.body().contains(order)).toList();
        }

        List<Received> awaitFor(String order, int count) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                    .until(() -> receivedFor(order).size() >= count);
            return receivedFor(order);
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
