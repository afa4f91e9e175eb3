package io.sagaline.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.local.LocalStepFunctions;
import io.sagaline.support.Db;
import io.sagaline.support.DevChild;

/**
 * The process dies between the commit of ApproveOrder (the order APPROVED, OrderApproved in the
 * outbox) and the send: a child JVM runs the whole system on this test's database, Redis and SQS
 * with a fault that halts it at exactly that point. Nothing is lost: the sweeper of this JVM sends
 * the message, and each consumer applies it once, even when the saga the child left is resumed
 * and runs ApproveOrder again.
 */
@QuarkusTest
class OutboxCrashTest {

    @Inject
    AgroalDataSource dataSource;
    @Inject
    LocalStepFunctions engine;

    @Test
    void aProcessKilledBetweenCommitAndPublish_losesNoMessage_andTheConsumersApplyItOnce() throws Exception {
        Db db = new Db(dataSource);
        DevChild child = DevChild.start("outbox-crash-child", "sagaline.outbox.fault.halt-before-publish=OrderApproved",
                // no consumers in the child: ElasticMQ would hand messages to its long polls after it died
                "sagaline.local.queues.poll=false");
        String order;
        try {
            String customer = DevChild.field(child.post("/customers",
                    "{\"name\":\"Crash\",\"email\":\"crash@example.com\",\"creditLimitCents\":50000}"), "customerId");
            String sku = "OUTBOX-" + System.nanoTime();
            child.post("/products", "{\"sku\":\"" + sku + "\",\"name\":\"Mug\",\"unitPriceCents\":1500,\"stock\":5}");
            order = DevChild.field(child.post("/orders", "{\"customerId\":\"" + customer + "\",\"items\":[{\"sku\":\"" + sku
                    + "\",\"quantity\":2}],\"paymentToken\":\"tok_ok\"}"), "orderId");
            await().atMost(Duration.ofSeconds(60)).until(() -> !child.alive());
        } finally {
            child.stop();
        }
        assertThat(Files.readString(Path.of(child.log()))).contains("halting before publishing");

        // What the child committed before it died: the verdict and its message, not yet sent.
        assertThat(db.row("select status from orders.orders where id = ?::uuid", order).get("status")).isEqualTo("APPROVED");
        Map<String, Object> message = db.row("select id from orders.outbox where type = 'OrderApproved' "
                + "and body::jsonb -> 'payload' ->> 'orderId' = ?", order);

        // This JVM's sweeper sends it and marks it sent; the consumers apply it. The consumers may
        // commit before the sweeper's mark does (it follows the sends), so both are awaited.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> db.rows(
                "select 1 from invoices.invoices where order_id = ?::uuid", order).size() == 1
                && db.rows("select 1 from notifications.notifications where order_id = ?::uuid", order).size() == 1
                && db.row("select published_at from orders.outbox where id = ?", message.get("id"))
                        .get("published_at") != null);

        // The saga the child left mid-ApproveOrder goes on here: ApproveOrder again, nothing new to announce.
        String execution = "arn:aws:states:us-east-1:000000000000:execution:place-order:" + order;
        engine.resumeOrphans();
        await().atMost(Duration.ofSeconds(60)).until(() -> "SUCCEEDED"
                .equals(db.row("select status from engine.executions where arn = ?", execution).get("status")));
        assertThat(db.rows("select 1 from orders.outbox where body::jsonb -> 'payload' ->> 'orderId' = ?", order)).hasSize(1);
        assertThat(db.rows("select number from invoices.invoices where order_id = ?::uuid", order)).hasSize(1);
        assertThat(db.rows("select 1 from notifications.notifications where order_id = ?::uuid", order)).hasSize(1);
        assertThat(db.rows("select 1 from invoices.processed_messages where message_id = ?", message.get("id"))).hasSize(1);
    }

    @Test
    void aProcessKilledBetweenStoringAnOrderAndStartingItsSaga_losesNoSaga() throws Exception {
        Db db = new Db(dataSource);
        DevChild child = DevChild.start("saga-start-crash-child", "sagaline.outbox.fault.halt-before-publish=StartExecution",
                "sagaline.local.queues.poll=false");
        String customer;
        try {
            customer = DevChild.field(child.post("/customers",
                    "{\"name\":\"Crash\",\"email\":\"crash@example.com\",\"creditLimitCents\":50000}"), "customerId");
            String sku = "START-" + System.nanoTime();
            child.post("/products", "{\"sku\":\"" + sku + "\",\"name\":\"Mug\",\"unitPriceCents\":1500,\"stock\":5}");
            assertThatThrownBy(() -> child.post("/orders", "{\"customerId\":\"" + customer + "\",\"items\":[{\"sku\":\"" + sku
                    + "\",\"quantity\":1}],\"paymentToken\":\"tok_ok\"}")).as("the process died under the request")
                    .isInstanceOf(java.io.IOException.class);
            await().atMost(Duration.ofSeconds(60)).until(() -> !child.alive());
        } finally {
            child.stop();
        }
        // Stored, PENDING, with no execution: the start was committed with it but never sent.
        String order = db.row("select id::text as id from orders.orders where customer_id = ?::uuid", customer).get("id")
                .toString();
        String execution = "arn:aws:states:us-east-1:000000000000:execution:place-order:" + order;
        assertThat(db.row("select status from orders.orders where id = ?::uuid", order).get("status")).isIn("PENDING",
                "APPROVED");

        // This JVM's sweeper starts the saga; the order is decided.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> "APPROVED"
                        .equals(db.row("select status from orders.orders where id = ?::uuid", order).get("status")));
        await().atMost(Duration.ofSeconds(30)).until(() -> "SUCCEEDED"
                .equals(db.row("select status from engine.executions where arn = ?", execution).get("status")));
        assertThat(db.rows("select 1 from orders.outbox where type = 'StartExecution' and published_at is null "
                + "and body::jsonb ->> 'correlationId' = ?", order)).isEmpty();
    }
}
