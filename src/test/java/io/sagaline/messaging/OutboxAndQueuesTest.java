package io.sagaline.messaging;

import static io.sagaline.support.Api.awaitDecided;
import static io.sagaline.support.Api.demo;
import static io.sagaline.support.Api.newCustomer;
import static io.sagaline.support.Api.newProduct;
import static io.sagaline.support.Api.placeOrder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.sagaline.local.LocalFunctions;
import io.sagaline.platform.messaging.Envelope;
import io.sagaline.platform.messaging.Queues;
import io.sagaline.platform.messaging.RedisLock;
import io.sagaline.support.Api;
import io.sagaline.support.Db;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * What happens after a saga ends, through the real outbox, the embedded SQS and the consumers:
 * every announced event reaches every queue that takes it and is applied once, a message
 * delivered twice changes nothing, a poison message fails alone and ends in the dead-letter
 * queue, from where a redrive brings it back, and the sweeper sends what was left unsent.
 */
@QuarkusTest
class OutboxAndQueuesTest {

    private static final String INVOICES = "invoices-order-approved";
    private static final String NOTIFICATIONS = "notifications-order-outcomes";

    @Inject
    AgroalDataSource dataSource;
    @Inject
    SqsClient sqs;
    @Inject
    Queues queues;
    @Inject
    LocalFunctions functions;
    @Inject
    RedisLock locks;
    @Inject
    ObjectMapper json;
    @Inject
    io.sagaline.platform.crypto.DataKeyStore dataKeys;

    @Test
    void aLease_isRenewedOnlyByItsHolder_andOnceLapsedIsAnothers() throws Exception {
        String name = "lease-test-" + java.util.UUID.randomUUID();
        RedisLock.Lease first = locks.tryAcquire(name, Duration.ofMillis(300)).orElseThrow();
        assertThat(locks.tryAcquire(name, Duration.ofSeconds(5))).as("held").isEmpty();
        assertThat(first.renew(Duration.ofMillis(300))).as("its holder renews it").isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> locks.tryAcquire(name, Duration.ofSeconds(5)).isPresent());
        assertThat(first.renew(Duration.ofSeconds(5))).as("lapsed and taken: the old holder cannot renew it").isFalse();
    }

    @Test
    void anApprovedOrder_isInvoicedOnce_andItsCustomerNotifiedOnce() {
        Db db = new Db(dataSource);
        String sku = newProduct(1250, 10);
        String order = placeOrder(newCustomer(100_000), "tok_ok", sku, 2);
        assertThat(awaitDecided(order).getString("status")).isEqualTo("APPROVED");

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> Api.statusCode("/orders/" + order + "/invoice") == 200);
        JsonPath invoice = demo().get("/orders/" + order + "/invoice").then().statusCode(200).extract().jsonPath();
        assertThat(invoice.getLong("invoiceNumber")).isPositive();
        assertThat(invoice.getString("orderId")).isEqualTo(order);
        assertThat(invoice.getLong("totalCents")).isEqualTo(2500);
        assertThat(invoice.getList("lines", Map.class))
                .containsExactly(Map.of("sku", sku, "quantity", 2, "unitPriceCents", 1250));

        Map<String, Object> message = db.row("select id, published_at from orders.outbox where type = 'OrderApproved' "
                + "and body::jsonb -> 'payload' ->> 'orderId' = ?", order);
        assertThat(message.get("published_at")).as("sent right after the commit").isNotNull();
        await().atMost(Duration.ofSeconds(30)).until(() -> notifications(db, order).size() == 1);
        assertThat(notifications(db, order).get(0)).containsEntry("kind", "ORDER_APPROVED");
        assertThat(db.rows("select consumer from invoices.processed_messages where message_id = ? union all "
                + "select consumer from notifications.processed_messages where message_id = ?", message.get("id"),
                message.get("id"))).extracting(r -> r.get("consumer"))
                .containsExactlyInAnyOrder("issue-invoice", "record-notification");
        assertThat(db.rows("select number from invoices.invoices where order_id = ?::uuid", order)).hasSize(1);
    }

    @Test
    void aRejectedOrder_isNotified_butNeverInvoiced() {
        Db db = new Db(dataSource);
        String order = placeOrder(newCustomer(100_000), "tok_declined", newProduct(500, 10), 1);
        assertThat(awaitDecided(order).getString("rejectionReason")).isEqualTo("PAYMENT_DECLINED");
        await().atMost(Duration.ofSeconds(30)).until(() -> notifications(db, order).size() == 1);
        assertThat(notifications(db, order).get(0)).containsEntry("kind", "ORDER_REJECTED");
        assertThat((String) notifications(db, order).get(0).get("body")).contains("PAYMENT_DECLINED");
        demo().get("/orders/" + order + "/invoice").then().statusCode(404);
        assertThat(db.rows("select 1 from invoices.processed_messages p join orders.outbox o on o.id = p.message_id "
                + "where o.body::jsonb -> 'payload' ->> 'orderId' = ?", order)).as("OrderRejected never reaches invoices")
                .isEmpty();
    }

    @Test
    void theSameMessageDeliveredTwice_isAppliedOnceByEveryConsumer() throws Exception {
        Db db = new Db(dataSource);
        String order = UUID.randomUUID().toString();
        Envelope approved = approved(order, "demo", 3100);
        String body = json.writeValueAsString(approved);
        for (String queue : List.of(INVOICES, NOTIFICATIONS)) {
            sqs.sendMessage(r -> r.queueUrl(queues.url(queue)).messageBody(body));
            sqs.sendMessage(r -> r.queueUrl(queues.url(queue)).messageBody(body));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> drained(INVOICES) && drained(NOTIFICATIONS));

        assertThat(db.rows("select number from invoices.invoices where order_id = ?::uuid", order)).hasSize(1);
        assertThat(notifications(db, order)).hasSize(1);
        assertThat(db.rows("select 1 from invoices.processed_messages where message_id = ?", approved.id())).hasSize(1);
        assertThat(db.rows("select 1 from notifications.processed_messages where message_id = ?", approved.id())).hasSize(1);
    }

    @Test
    void aPoisonMessage_failsAlone_landsInTheDeadLetterQueueAfterTheMaxReceiveCount_andRedriveBringsItBack() throws Exception {
        Db db = new Db(dataSource);
        String good1 = UUID.randomUUID().toString();
        String good2 = UUID.randomUUID().toString();
        String poisonOrder = UUID.randomUUID().toString();
        Envelope poison = new Envelope(UUID.randomUUID(), "OrderApproved", 1, "demo", poisonOrder, "test", Instant.now(),
                json.createObjectNode().put("orderId", poisonOrder).put("customerId", UUID.randomUUID().toString()));
        sqs.sendMessageBatch(r -> r.queueUrl(queues.url(INVOICES)).entries(
                entry("1", approved(good1, "demo", 100)), entry("2", poison), entry("3", approved(good2, "demo", 200))));

        await().atMost(Duration.ofSeconds(30))
                .until(() -> db.rows("select 1 from invoices.invoices where order_id in (?::uuid, ?::uuid)", good1, good2)
                        .size() == 2);
        int maxReceiveCount = queues.catalog().queue(INVOICES).orElseThrow().maxReceiveCount();
        String dlq = queues.url(queues.catalog().queue(INVOICES).orElseThrow().deadLetterQueue());
        await().atMost(Duration.ofSeconds(60)).until(() -> deadLetter(dlq, poison.id()) != null);
        assertThat(Integer.parseInt(deadLetter(dlq, poison.id()).attributesAsStrings().get("ApproximateReceiveCount")))
                .as("delivered to the consumer maxReceiveCount times, then moved").isGreaterThan(maxReceiveCount);
        assertThat(db.rows("select 1 from invoices.processed_messages where message_id = ?", poison.id()))
                .as("the failed message left no trace").isEmpty();
        assertThat(db.rows("select 1 from invoices.invoices where order_id in (?::uuid, ?::uuid)", good1, good2))
                .as("the good messages of its batch were done once, not retried with it").hasSize(2);

        JsonNode redriven = json.readTree(functions.invoke("redrive-dead-letters",
                json.writeValueAsBytes(Map.of("queue", INVOICES))));
        assertThat(redriven.get("moved").asInt()).isPositive();
        assertThat(deadLetter(dlq, poison.id())).as("moved out of the dead-letter queue").isNull();
        // Back on the queue, delivered to the consumer again: it still fails, and dead-letters again.
        await().atMost(Duration.ofSeconds(60)).until(() -> deadLetter(dlq, poison.id()) != null);
    }

    /** The message of the dead-letter queue that carries {@code id}, looked at without taking it (null if none). */
    private Message deadLetter(String dlq, UUID id) throws Exception {
        for (Message m : sqs.receiveMessage(r -> r.queueUrl(dlq).maxNumberOfMessages(10).visibilityTimeout(0)
                .attributeNamesWithStrings("All")).messages()) {
            if (m.body().contains(id.toString())) {
                return m;
            }
        }
        return null;
    }

    @Test
    void theSweeper_sendsWhatWasLeftUnsent_andOnlyOneSweeperRunsAtATime() throws Exception {
        Db db = new Db(dataSource);
        String order = UUID.randomUUID().toString();
        Envelope approved = approved(order, "demo", 700);
        db.update("insert into orders.outbox (id, tenant, type, occurred_at, body) values (?, 'demo', 'OrderApproved', "
                + "now() - interval '1 minute', ?)", approved.id(), json.writeValueAsString(approved));
        // Older, and never sendable (a state machine that does not exist): it must not hold the other up.
        Envelope broken = new io.sagaline.platform.saga.SagaStart("no-such-machine", "x", "{}").message("demo", order, "test",
                Instant.now(), json);
        db.update("insert into orders.outbox (id, tenant, type, occurred_at, body) values (?, 'demo', 'StartExecution', "
                + "now() - interval '2 minutes', ?)", broken.id(), json.writeValueAsString(broken));

        try (RedisLock.Lease held = locks.tryAcquire("outbox-sweeper:orders", Duration.ofSeconds(30)).orElseThrow()) {
            JsonNode skipped = json.readTree(functions.invoke("sweep-orders-outbox", "{}".getBytes()));
            assertThat(skipped.get("locked").asBoolean()).as("another sweeper holds the lease").isTrue();
            assertThat(skipped.get("sent").asInt()).isZero();
            assertThat(db.row("select published_at from orders.outbox where id = ?", approved.id()).get("published_at"))
                    .isNull();
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> db.row("select published_at from orders.outbox where id = ?", approved.id())
                        .get("published_at") != null);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> db.rows("select 1 from invoices.invoices where order_id = ?::uuid", order)
                        .size() == 1 && notifications(db, order).size() == 1);
        Map<String, Object> stuck = db.row("select published_at, attempts, next_attempt_at > now() as later from orders.outbox "
                + "where id = ?", broken.id());
        assertThat(stuck.get("published_at")).isNull();
        assertThat((Integer) stuck.get("attempts")).as("tried, and put off").isPositive();
        assertThat(stuck.get("later")).isEqualTo(true);
        db.update("delete from orders.outbox where id = ?", broken.id());
    }

    @Test
    void aSagaWhoseStartWasLeftInTheOutbox_isStartedByTheSweeper_andTheOrderDecided() throws Exception {
        Db db = new Db(dataSource);
        String customer = newCustomer(10_000);
        String sku = newProduct(900, 5);
        String order = UUID.randomUUID().toString();
        String execution = "arn:aws:states:us-east-1:000000000000:execution:place-order:" + order;
        db.placePendingOrder(order, customer, execution, sku, 1);
        String input = json.createObjectNode().put("tenant", "demo").put("orderId", order).put("customerId", customer)
                .put("paymentToken", "tok_ok").set("items", json.createArrayNode().add(json.createObjectNode()
                        .put("sku", sku).put("quantity", 1)))
                .toString();
        Envelope start = new io.sagaline.platform.saga.SagaStart("place-order", order, input).message("demo", order, "test",
                Instant.now(), json);
        // What a process that died right after committing the order leaves: the start, unsent.
        db.update("insert into orders.outbox (id, tenant, type, occurred_at, body) values (?, 'demo', 'StartExecution', "
                + "now() - interval '1 minute', ?)", start.id(), json.writeValueAsString(start));

        assertThat(awaitDecided(order).getString("status")).isEqualTo("APPROVED");
        assertThat(db.row("select published_at from orders.outbox where id = ?", start.id()).get("published_at")).isNotNull();
        assertThat(db.row("select status from engine.executions where arn = ?", execution).get("status")).isNotNull();
    }

    @Test
    void aNotification_goesToTheAddressItsCustomerRegisteredWith_orWaitsForIt() throws Exception {
        Db db = new Db(dataSource);
        String customer = demo().body(Map.of("name", "Grace", "email", "grace@example.com", "creditLimitCents", 50_000))
                .post("/customers").then().statusCode(201).extract().path("customerId");
        String order = placeOrder(customer, "tok_ok", newProduct(500, 10), 1);
        awaitDecided(order);
        await().atMost(Duration.ofSeconds(30)).until(() -> "RECORDED".equals(delivery(db, order).get("status")));
        assertThat(address(db, order)).isEqualTo("grace@example.com");
        assertThat((String) delivery(db, order).get("provider_message_id")).startsWith("recorded-");

        // An order's outcome that arrives before its customer's address waits for it.
        String stranger = UUID.randomUUID().toString();
        String lonely = UUID.randomUUID().toString();
        Envelope approved = approved(lonely, "demo", 900);
        ((com.fasterxml.jackson.databind.node.ObjectNode) approved.payload()).put("customerId", stranger);
        sqs.sendMessage(r -> r.queueUrl(queues.url(NOTIFICATIONS)).messageBody(write(approved)));
        await().atMost(Duration.ofSeconds(30)).until(() -> !notifications(db, lonely).isEmpty());
        assertThat(delivery(db, lonely)).containsEntry("status", "PENDING").containsEntry("recipient", null);
        Envelope registered = new Envelope(UUID.randomUUID(), "CustomerRegistered", 1, "demo", stranger, null, Instant.now(),
                json.createObjectNode().put("customerId", stranger).put("name", "Late").put("email", "late@example.com"));
        sqs.sendMessage(r -> r.queueUrl(queues.url("notifications-customer-contacts")).messageBody(write(registered)));
        await().atMost(Duration.ofSeconds(30)).until(() -> "RECORDED".equals(delivery(db, lonely).get("status")));
        // a message of version 1 (its address in clear) is sealed as it is recorded
        assertThat(address(db, lonely)).isEqualTo("late@example.com");
    }

    /** The address a notification went to: sealed under the notifications service's key of its customer, never in clear. */
    private String address(Db db, String order) {
        Map<String, Object> row = db.row("select tenant, customer_id::text as customer, recipient, recipient_sealed"
                + " from notifications.notifications where order_id = ?::uuid", order);
        assertThat(row.get("recipient")).as("the address in clear").isNull();
        return dataKeys.keyOf(new io.sagaline.platform.crypto.PersonalData.Subject("notifications", (String) row.get("tenant"),
                (String) row.get("customer"))).open("email", (byte[]) row.get("recipient_sealed"));
    }

    private static Map<String, Object> delivery(Db db, String order) {
        return db.row("select status, recipient, provider_message_id from notifications.notifications where order_id = ?::uuid",
                order);
    }

    private String write(Envelope message) {
        try {
            return json.writeValueAsString(message);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Envelope approved(String order, String tenant, long cents) {
        var payload = json.createObjectNode().put("orderId", order).put("customerId", UUID.randomUUID().toString())
                .put("totalCents", cents);
        payload.putArray("lines").addObject().put("sku", "MUG").put("quantity", 1).put("unitPriceCents", cents);
        return new Envelope(UUID.randomUUID(), "OrderApproved", 1, tenant, order, "test", Instant.now(), payload);
    }

    private SendMessageBatchRequestEntry entry(String id, Envelope message) {
        try {
            return SendMessageBatchRequestEntry.builder().id(id).messageBody(json.writeValueAsString(message)).build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Map<String, Object>> notifications(Db db, String order) {
        return db.rows("select kind, body from notifications.notifications where order_id = ?::uuid", order);
    }

    /** Nothing waiting and nothing in flight. */
    private boolean drained(String queue) {
        return count(queues.url(queue)) == 0;
    }

    private int visible(String url) {
        return Integer.parseInt(sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
                .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
    }

    private int count(String url) {
        Map<QueueAttributeName, String> a = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                .attributes();
        return Integer.parseInt(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Integer.parseInt(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }
}
