package io.sagaline.invoices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.local.LocalFunctions;
import io.sagaline.platform.messaging.Envelope;
import io.sagaline.support.Api;
import io.sagaline.support.Db;

/**
 * Invoice numbers are per tenant, from 1, with no gap and no duplicate, however many approvals
 * arrive at once and however often each is delivered.
 */
@QuarkusTest
class InvoiceNumbersTest {

    private static final String INVOICING_KEY = "local-invoicing-key";

    @Inject
    AgroalDataSource dataSource;
    @Inject
    LocalFunctions functions;
    @Inject
    ObjectMapper json;

    @Test
    void aHundredConcurrentApprovalsOfOneTenant_areInvoiced1To100() throws Exception {
        Db db = new Db(dataSource);
        String customer = Api.as(INVOICING_KEY)
                .body(Map.of("name", "Ada", "email", "ada@example.com", "creditLimitCents", 10_000_000))
                .post("/customers").then().statusCode(201).extract().path("customerId");
        String sku = "INV-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        Api.as(INVOICING_KEY).body(Map.of("sku", sku, "name", "Mug", "unitPriceCents", 300, "stock", 1000)).post("/products")
                .then()
                .statusCode(201);

        ExecutorService callers = Executors.newFixedThreadPool(8);
        List<Future<String>> placed = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            placed.add(callers
                    .submit(() -> Api.as(INVOICING_KEY).body(Api.order(customer, "tok_ok", sku, 1)).post("/orders").then()
                            .statusCode(202).extract().<String> path("orderId")));
        }
        List<String> orders = new ArrayList<>();
        for (Future<String> f : placed) {
            orders.add(f.get());
        }
        callers.shutdown();

        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> db.rows("select 1 from invoices.invoices where tenant = 'invoicing'").size() == 100);
        List<Long> numbers = db.rows("select number from invoices.invoices where tenant = 'invoicing' order by number").stream()
                .map(r -> ((Number) r.get("number")).longValue()).toList();
        assertThat(numbers).containsExactlyElementsOf(LongStream.rangeClosed(1, 100).boxed().toList());
        assertThat(db.rows("select order_id::text as o from invoices.invoices where tenant = 'invoicing'"))
                .extracting(r -> r.get("o")).containsExactlyInAnyOrderElementsOf(orders);
        String someOrder = orders.get(42);
        assertThat(Api.as(INVOICING_KEY).get("/orders/" + someOrder + "/invoice").then().statusCode(200).extract()
                .<Integer> path("invoiceNumber")).isBetween(1, 100);
        Api.demo().get("/orders/" + someOrder + "/invoice").then().statusCode(404);
    }

    @Test
    void approvalsArrivingAllAtOnce_andDeliveredTwice_leaveNoGapAndNoDuplicate() throws Exception {
        Db db = new Db(dataSource);
        String tenant = "inv-" + UUID.randomUUID();
        List<byte[]> batches = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            byte[] batch = sqsEvent(approved(tenant));
            batches.add(batch);
            if (i % 3 == 0) {
                batches.add(batch); // delivered twice
            }
        }
        Collections.shuffle(batches);
        ExecutorService consumers = Executors.newFixedThreadPool(16);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<JsonNode>> answers = new ArrayList<>();
        for (byte[] batch : batches) {
            answers.add(consumers.submit(() -> {
                go.await();
                return json.readTree(functions.invoke("issue-invoice", batch));
            }));
        }
        go.countDown();
        for (Future<JsonNode> answer : answers) {
            assertThat(answer.get().get("batchItemFailures")).as("no message fails").isEmpty();
        }
        consumers.shutdown();

        List<Long> numbers = db.rows("select number from invoices.invoices where tenant = ? order by number", tenant).stream()
                .map(r -> ((Number) r.get("number")).longValue()).toList();
        assertThat(numbers).containsExactlyElementsOf(LongStream.rangeClosed(1, 60).boxed().toList());
    }

    @Test
    void anOrderApprovedAgainUnderAnotherMessageId_keepsItsOneInvoice_andTakesNoNumber() throws Exception {
        Db db = new Db(dataSource);
        String tenant = "inv-" + UUID.randomUUID();
        Envelope first = approved(tenant);
        Envelope again = new Envelope(UUID.randomUUID(), first.type(), first.schemaVersion(), tenant, first.correlationId(),
                "test",
                Instant.now(), first.payload());
        Envelope next = approved(tenant);
        for (Envelope message : List.of(first, again, next)) {
            assertThat(json.readTree(functions.invoke("issue-invoice", sqsEvent(message))).get("batchItemFailures"))
                    .as("no message fails").isEmpty();
        }

        assertThat(
                db.rows("select number, order_id::text as o from invoices.invoices where tenant = ? order by number", tenant))
                .extracting(r -> ((Number) r.get("number")).longValue(), r -> r.get("o"))
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1L, first.correlationId()),
                        org.assertj.core.groups.Tuple.tuple(2L, next.correlationId()));
        assertThat(db.rows("select last_number from invoices.invoice_counters where tenant = ?", tenant))
                .extracting(r -> ((Number) r.get("last_number")).longValue()).containsExactly(2L);
    }

    private Envelope approved(String tenant) {
        String order = UUID.randomUUID().toString();
        ObjectNode payload = json.createObjectNode().put("orderId", order).put("customerId", UUID.randomUUID().toString())
                .put("totalCents", 300);
        payload.putArray("lines").addObject().put("sku", "MUG").put("quantity", 1).put("unitPriceCents", 300);
        return new Envelope(UUID.randomUUID(), "OrderApproved", 1, tenant, order, "test", Instant.now(), payload);
    }

    private byte[] sqsEvent(Envelope message) throws Exception {
        ObjectNode event = json.createObjectNode();
        ObjectNode record = event.putArray("Records").addObject();
        record.put("messageId", UUID.randomUUID().toString()).put("receiptHandle", "r")
                .put("body", json.writeValueAsString(message))
                .put("eventSource", "aws:sqs")
                .put("eventSourceARN", "arn:aws:sqs:us-east-1:000000000000:invoices-order-approved")
                .put("awsRegion", "us-east-1");
        record.putObject("attributes").put("ApproximateReceiveCount", "1");
        return json.writeValueAsBytes(event);
    }
}
