package io.sagaline.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.support.Db;
import io.sagaline.support.DevChild;
import io.sagaline.support.Invariants;

/**
 * The engine's process is killed (SIGKILL, a real {@code kill -9} of a child JVM running the whole
 * system with {@code ./mvnw quarkus:dev}) in the middle of a burst of PlaceOrder sagas, then
 * started again on the same database, Redis and SQS. Every order stored reaches its end, even one
 * whose saga's start died with the process (the start is in the outbox, committed with the order),
 * and every invariant of the API contract holds on what is stored.
 */
@QuarkusTest
class KillNineRecoveryTest {

    private static final int ORDERS = 40;

    @Inject
    AgroalDataSource dataSource;

    @Test
    void killingTheEngineMidBurst_losesNoSagaAndBreaksNoInvariant() throws Exception {
        Db db = new Db(dataSource);
        DevChild first = DevChild.start("kill-nine-child-1");
        String customer = DevChild.field(first.post("/customers",
                "{\"name\":\"Crash\",\"email\":\"crash@example.com\",\"creditLimitCents\":60000}"), "customerId");
        String sku = "CRASH-" + System.nanoTime();
        first.post("/products", "{\"sku\":\"" + sku + "\",\"name\":\"Mug\",\"unitPriceCents\":1000,\"stock\":30}");

        ExecutorService callers = Executors.newFixedThreadPool(8);
        List<Future<String>> placed = new ArrayList<>();
        String[] tokens = { "tok_ok", "tok_ok", "tok_flaky", "tok_declined" };
        for (int i = 0; i < ORDERS; i++) {
            String order = "{\"customerId\":\"" + customer + "\",\"items\":[{\"sku\":\"" + sku + "\",\"quantity\":"
                    + (1 + i % 3)
                    + "}],\"paymentToken\":\"" + tokens[i % tokens.length] + "\"}";
            placed.add(callers.submit(() -> DevChild.field(first.post("/orders", order), "orderId")));
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

        // The second process sweeps its outbox every second: a saga whose start died with the first goes out.
        DevChild second = DevChild.start("kill-nine-child-2", "sagaline.local.schedules.every=PT1S",
                "sagaline.outbox.sweep-grace=PT2S");
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> running(db) == 0
                    && db.rows("select 1 from orders.orders where customer_id = ?::uuid and status = 'PENDING'", customer)
                            .isEmpty());
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
}
