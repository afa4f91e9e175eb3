package io.sagaline.orders;

import static io.sagaline.support.Api.DEMO_KEY;
import static io.sagaline.support.Api.awaitDecided;
import static io.sagaline.support.Api.demo;
import static io.sagaline.support.Api.get;
import static io.sagaline.support.Api.newCustomer;
import static io.sagaline.support.Api.newProduct;
import static io.sagaline.support.Api.placeOrder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.local.LocalFunctions;

/**
 * {@code GET /orders/{id}?waitSeconds=N}: answers as soon as the order's verdict (or its
 * cancellation's end) commits, or as the order is when the time is up; refuses what it cannot wait
 * for; and holds no thread per waiting caller.
 */
@QuarkusTest
class WaitingReadTest {

    @Inject
    OrderCommands commands;
    @Inject
    OrderLifecycle lifecycle;
    @Inject
    OrderWatch watch;
    @Inject
    LocalFunctions functions;
    @Inject
    ObjectMapper json;

    @Test
    void aWaitingRead_answersWithTheSagasVerdict_approvedOrRejected() {
        String customer = newCustomer(50_000);
        String sku = newProduct(1_000, 10);
        String approved = placeOrder(customer, "tok_ok", sku, 1);
        String declined = placeOrder(customer, "tok_declined", sku, 1);

        JsonNode first = get("/orders/" + approved + "?waitSeconds=20", 200);
        JsonNode second = get("/orders/" + declined + "?waitSeconds=20", 200);

        assertThat(first.get("status").asText()).isEqualTo("APPROVED");
        assertThat(first.get("totalCents").asLong()).isEqualTo(1_000);
        assertThat(second.get("status").asText()).isEqualTo("REJECTED");
        assertThat(second.get("rejectionReason").asText()).isEqualTo("PAYMENT_DECLINED");
    }

    @Test
    void aWaitingRead_duringACancellation_answersWhenTheCancellationEnds() {
        String customer = newCustomer(50_000);
        String order = placeOrder(customer, "tok_ok", newProduct(1_000, 10), 2);
        assertThat(awaitDecided(order).getString("status")).isEqualTo("APPROVED");

        demo().post("/orders/" + order + "/cancel").then().statusCode(202);
        JsonNode after = get("/orders/" + order + "?waitSeconds=20", 200);

        assertThat(after.get("status").asText()).as("not the APPROVED of the cancellation in progress")
                .isEqualTo("CANCELLED");
    }

    @Test
    void aWaitingRead_answersTheOrderAsItIs_whenTheTimeIsUp() {
        String order = pendingOrder(newCustomer(10_000));

        long started = System.nanoTime();
        JsonNode answer = get("/orders/" + order + "?waitSeconds=1", 200);

        assertThat(System.nanoTime() - started).as("it waited its second").isGreaterThanOrEqualTo(1_000_000_000L);
        assertThat(answer.get("status").asText()).isEqualTo("PENDING");
        assertThat(watch.waiting()).as("the waiter is gone").isZero();
    }

    @Test
    void aWaitingRead_refusesWhatItCannotWaitFor() {
        String order = pendingOrder(newCustomer(10_000));

        for (String bad : List.of("21", "-1", "abc", "1.5")) {
            JsonNode problem = get("/orders/" + order + "?waitSeconds=" + bad, 400);
            assertThat(problem.get("errors").get(0).get("field").asText()).isEqualTo("waitSeconds");
        }
        JsonNode withAsOf = get("/orders/" + order + "?waitSeconds=5&asOf=2026-01-01T00:00:00Z", 400);
        assertThat(withAsOf.get("errors").get(0).get("field").asText()).isEqualTo("waitSeconds");
        // an order that does not exist, or is another tenant's, is a 404 at once, never a wait
        get("/orders/" + UUID.randomUUID() + "?waitSeconds=20", 404);
        get("/orders/not-an-id?waitSeconds=20", 404);
        io.sagaline.support.Api.as(io.sagaline.support.Api.OTHER_KEY).get("/orders/" + order + "?waitSeconds=20").then()
                .statusCode(404);
        // waitSeconds=0 is a plain read
        assertThat(get("/orders/" + order + "?waitSeconds=0", 200).get("status").asText()).isEqualTo("PENDING");
    }

    @Test
    void fiveHundredWaitingCallers_areServedByAHandfulOfThreads_andEachGetsItsVerdict() throws Exception {
        String customer = newCustomer(10_000);
        List<String> orders = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            orders.add(pendingOrder(customer));
        }
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        ExecutorService clientThreads = Executors.newFixedThreadPool(2);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(clientThreads).build();
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
        try {
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            List<long[]> answeredAt = new ArrayList<>();
            for (String order : orders) {
                // 125 requests a second: under the tenant's rate limit (200 a second, bursts of 400), so none is a 429
                Thread.sleep(8);
                long[] at = new long[1];
                answeredAt.add(at);
                answers.add(client.sendAsync(HttpRequest.newBuilder(URI.create(
                        "http://localhost:" + port + "/orders/" + order + "?waitSeconds=20")).header("x-api-key", DEMO_KEY)
                        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString())
                        .whenComplete((r, f) -> at[0] = System.nanoTime()));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> watch.waiting() == 500);

            int threadsWaiting = ManagementFactory.getThreadMXBean().getThreadCount();
            assertThat(functions.busySandboxes("get-order")).as("no invocation holds a sandbox's thread while it waits")
                    .isZero();
            assertThat(threadsWaiting - threadsBefore).as("threads started for 500 waiting callers").isLessThan(100);
            assertThat(answers).noneMatch(CompletableFuture::isDone);

            // the verdicts, eight at a time (one after the other, the last would come after its caller's 20 s)
            long[] decidedAt = new long[orders.size()];
            ExecutorService deciders = Executors.newFixedThreadPool(8);
            List<java.util.concurrent.Future<?>> decided = new ArrayList<>();
            for (int i = 0; i < orders.size(); i++) {
                int n = i;
                decided.add(deciders.submit(() -> {
                    decidedAt[n] = System.nanoTime();
                    lifecycle.reject("demo", orders.get(n), execution(orders.get(n)), RejectionReason.OUT_OF_STOCK, null);
                }));
            }
            for (java.util.concurrent.Future<?> f : decided) {
                f.get();
            }
            deciders.shutdown();
            List<Long> latencies = new ArrayList<>();
            for (int i = 0; i < orders.size(); i++) {
                HttpResponse<String> answer = answers.get(i).get();
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
                assertThat(json.readTree(answer.body()).get("status").asText()).as("caller %d: %s, %d ms after its verdict",
                        i, answer.body(), (answeredAt.get(i)[0] - decidedAt[i]) / 1_000_000).isEqualTo("REJECTED");
                latencies.add(answeredAt.get(i)[0] - decidedAt[i]);
            }
            latencies.sort(Long::compare);
            assertThat(latencies.get(latencies.size() - 1))
                    .as("every caller answered on its verdict's notification, not at its deadline (20 s) nor a recheck (30 s)")
                    .isLessThan(Duration.ofSeconds(15).toNanos());
            System.out.printf(
                    "waiting reads: from the verdict's command to the answer: p50 %.1f ms, p99 %.1f ms, max %.1f ms (500 callers)%n",
                    latencies.get(250) / 1e6, latencies.get(495) / 1e6, latencies.get(499) / 1e6);
            assertThat(watch.waiting()).isZero();
        } finally {
            clientThreads.shutdownNow();
        }
    }

    /** An order placed (its OrderPlaced in the stream and the view) with no saga to decide it: it stays PENDING. */
    private String pendingOrder(String customer) {
        UUID id = UUID.randomUUID();
        String execution = execution(id.toString());
        commands.execute("demo", id, execution, existing -> List.of(new OrderEvent.New(OrderEvent.PLACED,
                json.createObjectNode().put("customerId", customer).put("executionId", execution).set("items",
                        json.createArrayNode().add(json.createObjectNode().put("sku", "SKU-WAIT").put("quantity", 1))))),
                after -> Optional.empty());
        return id.toString();
    }

    private static String execution(String order) {
        return "arn:aws:states:us-east-1:000000000000:execution:place-order:" + order;
    }
}
