package io.sagaline.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.support.Db;
import io.sagaline.support.Invariants;

/**
 * The engine's process is killed (SIGKILL, a real {@code kill -9} of a child JVM running the whole
 * system with {@code ./mvnw quarkus:dev}) in the middle of a burst of PlaceOrder sagas, then
 * started again on the same database and Redis. Every saga that was started reaches its end, and
 * every invariant of the API contract holds on what is stored.
 */
@QuarkusTest
class KillNineRecoveryTest {

    private static final int ORDERS = 40;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Inject
    AgroalDataSource dataSource;

    @Test
    void killingTheEngineMidBurst_losesNoSagaAndBreaksNoInvariant() throws Exception {
        Db db = new Db(dataSource);
        Child first = Child.start(1);
        String base = first.url();
        String customer = field(post(base, "/customers",
                "{\"name\":\"Crash\",\"email\":\"crash@example.com\",\"creditLimitCents\":60000}"), "customerId");
        String sku = "CRASH-" + System.nanoTime();
        post(base, "/products", "{\"sku\":\"" + sku + "\",\"name\":\"Mug\",\"unitPriceCents\":1000,\"stock\":30}");

        ExecutorService callers = Executors.newFixedThreadPool(8);
        List<Future<String>> placed = new ArrayList<>();
        String[] tokens = { "tok_ok", "tok_ok", "tok_flaky", "tok_declined" };
        for (int i = 0; i < ORDERS; i++) {
            String order = "{\"customerId\":\"" + customer + "\",\"items\":[{\"sku\":\"" + sku + "\",\"quantity\":"
                    + (1 + i % 3)
                    + "}],\"paymentToken\":\"" + tokens[i % tokens.length] + "\"}";
            placed.add(callers.submit(() -> field(post(base, "/orders", order), "orderId")));
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> running(db) >= 3);
        long runningAtKill = running(db);
        first.killNine();
        callers.shutdown();

        List<String> accepted = new ArrayList<>();
        for (Future<String> f : placed) {
            try {
                accepted.add(f.get());
            } catch (java.util.concurrent.ExecutionException e) {
                // the process died under this request
            }
        }
        assertThat(runningAtKill).as("executions were in flight when the process died").isPositive();

        Child second = Child.start(2);
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> running(db) == 0);
        } finally {
            second.stop();
        }

        List<Map<String, Object>> orders = db.rows("""
                select o.id, o.status, o.total_cents, e.status as execution
                from orders.orders o left join engine.executions e on e.arn = o.execution_id
                where o.customer_id = ?::uuid""", customer);
        assertThat(orders).extracting(o -> o.get("id").toString()).containsAll(accepted);
        long approvedQuantity = 0;
        long approvedTotal = 0;
        for (Map<String, Object> o : orders) {
            if (o.get("execution") == null) {
                // Died between storing the order and starting its saga: nothing was taken for it
                // (the transactional outbox of the queues issue closes this gap).
                assertThat(o.get("status")).isEqualTo("PENDING");
                assertThat(accepted).doesNotContain(o.get("id").toString());
                Invariants.rejectedOrderHoldsNothing(db, o.get("id").toString());
                continue;
            }
            assertThat(o.get("execution")).as("saga of " + o.get("id")).isEqualTo("SUCCEEDED");
            assertThat(o.get("status")).isIn("APPROVED", "REJECTED");
            if (o.get("status").equals("APPROVED")) {
                approvedTotal += ((Number) o.get("total_cents")).longValue();
                approvedQuantity += ((Number) db
                        .row("select sum(quantity) as q from orders.order_lines where order_id = ?::uuid",
                                o.get("id").toString())
                        .get("q")).longValue();
            } else {
                Invariants.rejectedOrderHoldsNothing(db, o.get("id").toString());
            }
        }
        Map<String, Object> product = db.row("select stock, reserved from inventory.products where sku = ?", sku);
        assertThat((Long) product.get("reserved")).isEqualTo(approvedQuantity).isLessThanOrEqualTo((Long) product.get("stock"));
        assertThat((Long) db.row("select available_credit_cents as a from customers.customers where id = ?::uuid", customer)
                .get("a"))
                .isEqualTo(60_000 - approvedTotal).isGreaterThanOrEqualTo(0);
    }

    private static long running(Db db) {
        return ((Number) db.row("select count(*) as n from engine.executions where status = 'RUNNING'").get("n")).longValue();
    }

    private static String post(String base, String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("x-api-key", "local-demo-key").header("content-type", "application/json")
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(path + " -> " + response.statusCode() + " " + response.body());
        }
        return response.body();
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException(name + " not in " + json);
        }
        return m.group(1);
    }

    /** The whole system in a JVM of its own ({@code ./mvnw quarkus:dev}), on this test's database and Redis. */
    record Child(Process maven, int port) {

        static Child start(int generation) throws Exception {
            var config = ConfigProvider.getConfig();
            int port = freePort();
            ProcessBuilder builder = new ProcessBuilder("./mvnw", "-q", "quarkus:dev", "-Dasl.skip=true",
                    "-Dquarkus.console.enabled=false", "-Ddebug=false", "-Dquarkus.http.port=" + port,
                    "-Dquarkus.lambda.mock-event-server.dev-port=" + freePort(), "-Dsagaline.local.workers=1",
                    "-Dquarkus.live-reload.instrumentation=false")
                    .redirectErrorStream(true).redirectOutput(new File("target/kill-nine-child-" + generation + ".log"))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().putAll(Map.of(
                    "QUARKUS_DATASOURCE_JDBC_URL", config.getValue("quarkus.datasource.jdbc.url", String.class),
                    "QUARKUS_DATASOURCE_REACTIVE_URL", config.getValue("quarkus.datasource.reactive.url", String.class),
                    "QUARKUS_DATASOURCE_USERNAME", config.getValue("quarkus.datasource.username", String.class),
                    "QUARKUS_DATASOURCE_PASSWORD", config.getValue("quarkus.datasource.password", String.class),
                    "QUARKUS_REDIS_HOSTS", config.getValue("quarkus.redis.hosts", String.class)));
            Child child = new Child(builder.start(), port);
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250)).until(() -> {
                if (!child.maven().isAlive()) {
                    throw new IllegalStateException("the child stopped; see target/kill-nine-child-" + generation + ".log");
                }
                try {
                    return HTTP.send(HttpRequest.newBuilder(URI.create(child.url() + "/q/health/ready")).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                } catch (IOException e) {
                    return false;
                }
            });
            return child;
        }

        String url() {
            return "http://localhost:" + port;
        }

        /** SIGKILL to the JVM that runs the application: no shutdown hook, no last commit. */
        void killNine() throws InterruptedException {
            List<ProcessHandle> jvms = maven.descendants().filter(p -> p.info().command().orElse("").endsWith("java")).toList();
            assertThat(jvms).as("the application's JVM under Maven").isNotEmpty();
            jvms.forEach(ProcessHandle::destroyForcibly);
            maven.destroyForcibly();
            maven.waitFor();
        }

        void stop() throws InterruptedException {
            maven.descendants().forEach(ProcessHandle::destroy);
            maven.destroy();
            maven.waitFor();
        }

        private static int freePort() throws IOException {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
            }
        }
    }
}
