package io.sagaline.customers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.platform.messaging.Envelope;
import io.sagaline.platform.messaging.Queues;
import io.sagaline.support.Api;
import io.sagaline.support.Db;
import io.sagaline.support.Invariants;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The right to erasure: {@code DELETE /customers/{id}} leaves the customer's personal data readable
 * nowhere it was copied (its data keys deleted, every sealed copy cleared, its registration message
 * stripped), is audited, keeps orders, invoices and credit consistent, and lets a saga in flight, or
 * one started later, end cleanly.
 */
@QuarkusTest
class ErasureTest {

    private static final String CONTACTS = "notifications-customer-contacts";

    @Inject
    AgroalDataSource dataSource;
    @Inject
    SqsClient sqs;
    @Inject
    Queues queues;
    @Inject
    ObjectMapper json;

    @Test
    void aDeletedCustomer_isReadableNowhere_itsOrdersAndInvoicesStay_andTheErasureIsAudited() {
        String marker = UUID.randomUUID().toString().substring(0, 8);
        String customer = Api.send("POST", "/customers",
                Map.of("name", "Erin Erased-" + marker, "email", "erin." + marker + "@example.com", "creditLimitCents", 10_000),
                201).get("customerId").asText();
        String order = Api.placeOrder(customer, "tok_ok", Api.newProduct(700, 5), 2);
        assertThat(Api.awaitDecided(order).getString("status")).isEqualTo("APPROVED");
        await().atMost(Duration.ofSeconds(30)).until(() -> !db().rows(
                "select 1 from notifications.notifications where order_id = ?::uuid and status = 'RECORDED'", order).isEmpty());
        await().atMost(Duration.ofSeconds(30)).until(() -> !db().rows(
                "select 1 from invoices.invoices where order_id = ?::uuid", order).isEmpty());

        Api.demo().delete("/customers/" + customer).then().statusCode(204);
        Api.demo().get("/customers/" + customer).then().statusCode(404);
        Api.demo().delete("/customers/" + customer).then().statusCode(404);
        await().atMost(Duration.ofSeconds(30)).until(() -> !db().rows(
                "select 1 from notifications.recipients where customer_id = ?::uuid and erased_at is not null", customer)
                .isEmpty());

        assertThat(db().row("select name, email, name_sealed, email_sealed, email_index, erased_at is not null as erased"
                + " from customers.customers where id = ?::uuid", customer)).containsEntry("name", null)
                .containsEntry("email", null).containsEntry("name_sealed", null).containsEntry("email_sealed", null)
                .containsEntry("email_index", null).containsEntry("erased", true);
        for (String service : List.of("customers", "notifications")) {
            assertThat(db().rows("select 1 from " + service + ".data_keys where subject = ?", customer))
                    .as(service + " still holds the customer's data key").isEmpty();
        }
        assertThat(db().row("select name_sealed, email_sealed from notifications.recipients where customer_id = ?::uuid",
                customer)).containsEntry("name_sealed", null).containsEntry("email_sealed", null);
        assertThat(db().rows("select 1 from notifications.notifications where customer_id = ?::uuid"
                + " and (recipient is not null or recipient_sealed is not null)", customer)).isEmpty();
        assertThat(db().rows("select body from customers.outbox where type = 'CustomerRegistered' and body like ?",
                "%" + customer + "%")).isNotEmpty().allSatisfy(r -> assertThat((String) r.get("body"))
                        .doesNotContain("personalData").contains("\"erased\": true"));
        for (String table : db().everyTable()) {
            assertThat(db().rows("select 1 from " + table + " t where t::text ilike ?", "%" + marker + "%"))
                    .as(table).isEmpty();
        }

        // orders, their invoices and the count of both stay as they were
        JsonNode kept = Api.get("/orders/" + order, 200);
        assertThat(kept.get("status").asText()).isEqualTo("APPROVED");
        assertThat(kept.get("customerId").asText()).isEqualTo(customer);
        assertThat(Api.get("/orders/" + order + "/invoice", 200).get("totalCents").asLong()).isEqualTo(1400);

        List<String> audited = new ArrayList<>();
        Api.get("/audit?resource=customers/" + customer, 200).get("items")
                .forEach(e -> audited.add(e.get("operation").asText() + " " + e.get("outcome").asText()));
        assertThat(audited).containsSubsequence("delete-customer NOT_FOUND", "get-customer NOT_FOUND",
                "delete-customer SUCCEEDED", "create-customer SUCCEEDED");
    }

    @Test
    void anOrderForAnErasedCustomer_isRejectedHoldingNothing_andOnePlacedBefore_cancelsBackIntoItsCredit() {
        String customer = Api.newCustomer(5_000);
        String sku = Api.newProduct(1_000, 10);
        String before = Api.placeOrder(customer, "tok_ok", sku, 1);
        assertThat(Api.awaitDecided(before).getString("status")).isEqualTo("APPROVED");
        Api.demo().delete("/customers/" + customer).then().statusCode(204);

        String after = Api.placeOrder(customer, "tok_ok", sku, 1);
        var rejected = Api.awaitDecided(after);
        assertThat(rejected.getString("status")).isEqualTo("REJECTED");
        assertThat(rejected.getString("rejectionReason")).isEqualTo("UNKNOWN_CUSTOMER");
        Invariants.rejectedOrderHoldsNothing(db(), after);

        Api.demo().post("/orders/" + before + "/cancel").then().statusCode(202);
        await().atMost(Duration.ofSeconds(30)).until(() -> "CANCELLED".equals(Api.status(before)));
        assertThat(db().row("select available_credit_cents, credit_limit_cents from customers.customers where id = ?::uuid",
                customer)).containsEntry("available_credit_cents", 5_000L).containsEntry("credit_limit_cents", 5_000L);
        assertThat(Api.available(sku)).isEqualTo(10);
    }

    @Test
    void sagasInFlightWhenTheirCustomerIsErased_endCleanly_approvedOrRejected_holdingNothingIfRejected() {
        String customer = Api.newCustomer(100_000);
        String sku = Api.newProduct(100, 100);
        List<String> orders = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            orders.add(Api.placeOrder(customer, "tok_ok", sku, 1));
        }
        Api.demo().delete("/customers/" + customer).then().statusCode(204);
        long held = 0;
        for (String order : orders) {
            String status = Api.awaitDecided(order).getString("status");
            assertThat(status).isIn("APPROVED", "REJECTED");
            if (status.equals("REJECTED")) {
                Invariants.rejectedOrderHoldsNothing(db(), order);
            } else {
                held += 100;
            }
        }
        assertThat(db().row("select available_credit_cents from customers.customers where id = ?::uuid", customer)
                .get("available_credit_cents")).isEqualTo(100_000L - held);
        assertThat(Api.available(sku)).isEqualTo(100 - held / 100);
    }

    @Test
    void aRegistrationOrAVerdictDeliveredAfterTheErasure_recordsNothing_andSendsNothing() throws Exception {
        String tenant = "demo";
        String customer = UUID.randomUUID().toString();
        send(new Envelope(UUID.randomUUID(), "CustomerErased", 1, tenant, customer, null, Instant.now(),
                json.createObjectNode().put("customerId", customer)));
        await().atMost(Duration.ofSeconds(30)).until(() -> !db().rows(
                "select 1 from notifications.recipients where customer_id = ?::uuid and erased_at is not null", customer)
                .isEmpty());
        // a registration of version 1 that the queue delivered late, and the verdict of one of its orders
        send(new Envelope(UUID.randomUUID(), "CustomerRegistered", 1, tenant, customer, null, Instant.now(),
                json.createObjectNode().put("customerId", customer).put("name", "Late Larry").put("email",
                        "larry@example.com")));
        String order = UUID.randomUUID().toString();
        var approved = json.createObjectNode().put("orderId", order).put("customerId", customer).put("totalCents", 100);
        sqs.sendMessage(r -> r.queueUrl(queues.url("notifications-order-outcomes")).messageBody(write(
                new Envelope(UUID.randomUUID(), "OrderApproved", 1, tenant, order, "test", Instant.now(), approved))));
        await().atMost(Duration.ofSeconds(30)).until(() -> !db().rows(
                "select 1 from notifications.notifications where order_id = ?::uuid", order).isEmpty());
        await().atMost(Duration.ofSeconds(30)).until(() -> count(CONTACTS) == 0);
        assertThat(
                db().row("select status, recipient, recipient_sealed from notifications.notifications where order_id = ?::uuid",
                        order))
                .containsEntry("status", "ERASED").containsEntry("recipient", null).containsEntry("recipient_sealed", null);
        assertThat(db().row(
                "select name, email, name_sealed, email_sealed from notifications.recipients where customer_id = ?::uuid",
                customer)).containsEntry("name", null).containsEntry("email", null).containsEntry("name_sealed", null)
                .containsEntry("email_sealed", null);
    }

    private void send(Envelope message) {
        sqs.sendMessage(r -> r.queueUrl(queues.url(CONTACTS)).messageBody(write(message)));
    }

    private int count(String queue) {
        var attributes = sqs.getQueueAttributes(r -> r.queueUrl(queues.url(queue)).attributeNamesWithStrings(
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")).attributesAsStrings();
        return Integer.parseInt(attributes.get("ApproximateNumberOfMessages"))
                + Integer.parseInt(attributes.get("ApproximateNumberOfMessagesNotVisible"));
    }

    private String write(Envelope message) {
        try {
            return json.writeValueAsString(message);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Db db() {
        return new Db(dataSource);
    }
}
