package io.sagaline.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.local.LocalStepFunctions;
import io.sagaline.support.Db;
import io.sagaline.support.DevChild;
import io.sagaline.support.HoldingProxy;

/**
 * The process dies between the commit of a step and its send: a child JVM runs the whole system on
 * this test's database, Redis and SQS, and reaches SQS (or its Step Functions API) through a
 * {@link HoldingProxy}, which the test makes hold every request; once the step's commit is in the
 * database and its send is held, the test kills the child with kill -9. Nothing is lost: the
 * sweeper of this JVM sends what the child committed, and each consumer applies it once, even
 * when the saga the child left is taken over here and runs ApproveOrder again.
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
        int sqsPort = URI.create(ConfigProvider.getConfig().getValue("sagaline.local.sqs.endpoint", String.class)).getPort();
        String order;
        try (HoldingProxy sqs = new HoldingProxy(sqsPort)) {
            DevChild child = DevChild.start("outbox-crash-child", "sagaline.local.sqs.endpoint=" + sqs.url(),
                    // no consumers in the child: ElasticMQ would hand messages to its long polls after it died
                    "sagaline.local.queues.poll=false");
            try {
                String customer = DevChild.field(child.post("/customers",
                        "{\"name\":\"Crash\",\"email\":\"crash@example.com\",\"creditLimitCents\":50000}"), "customerId");
                String sku = "OUTBOX-" + System.nanoTime();
                child.post("/products", "{\"sku\":\"" + sku + "\",\"name\":\"Mug\",\"unitPriceCents\":1500,\"stock\":5}");
                sqs.hold(); // from here on the child reaches no queue: the saga's only send is ApproveOrder's
                order = DevChild.field(child.post("/orders", "{\"customerId\":\"" + customer + "\",\"items\":[{\"sku\":\""
                        + sku + "\",\"quantity\":2}],\"paymentToken\":\"tok_ok\"}"), "orderId");
                String id = order;
                // ApproveOrder has committed the verdict and its message, and waits on the send: the child dies there.
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> !db.rows(
                        "select 1 from orders.outbox where type = 'OrderApproved' and published_at is null"
                                + " and body::jsonb -> 'payload' ->> 'orderId' = ?",
                        id).isEmpty());
                child.killNine();
            } finally {
                child.stop();
            }
        }

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

        // The saga the child left mid-ApproveOrder goes on here once its lease runs out: ApproveOrder
        // again, nothing new to announce.
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
        String customer;
        try (HoldingProxy sfn = new HoldingProxy()) {
            // The child calls its own Step Functions API through the proxy (StartExecution from the orders outbox).
            DevChild child = DevChild.start("saga-start-crash-child", "sagaline.local.sfn.endpoint=" + sfn.url(),
                    "sagaline.local.queues.poll=false");
            sfn.target(child.port());
            try {
                customer = DevChild.field(child.post("/customers",
                        "{\"name\":\"Crash\",\"email\":\"crash@example.com\",\"creditLimitCents\":50000}"), "customerId");
                String sku = "START-" + System.nanoTime();
                child.post("/products", "{\"sku\":\"" + sku + "\",\"name\":\"Mug\",\"unitPriceCents\":1500,\"stock\":5}");
                sfn.hold();
                CompletableFuture<String> placed = CompletableFuture.supplyAsync(() -> {
                    try {
                        return child.post("/orders", "{\"customerId\":\"" + customer + "\",\"items\":[{\"sku\":\"" + sku
                                + "\",\"quantity\":1}],\"paymentToken\":\"tok_ok\"}");
                    } catch (java.io.IOException | InterruptedException e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                });
                // The order and its StartExecution are committed; the start waits on its send: the child dies there.
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> !db.rows(
                        "select 1 from orders.outbox o join orders.orders r on r.id::text = o.body::jsonb ->> 'correlationId'"
                                + " where o.type = 'StartExecution' and o.published_at is null and r.customer_id = ?::uuid",
                        customer).isEmpty());
                child.killNine();
                assertThatThrownBy(placed::join).as("the process died under the request")
                        .hasCauseInstanceOf(java.io.IOException.class);
            } finally {
                child.stop();
            }
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
