package io.sagaline.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.local.LocalFunctions;
import io.sagaline.local.LocalFunctions.FunctionFailure;
import io.sagaline.local.SampleFixture;

/**
 * Every sample in {@code events/} invoked on the function its name names, as Lambda would invoke
 * it, against a small fixture; each must give the outcome listed here. A sample without an
 * expectation, or a catalog function without a sample, fails the test.
 */
@QuarkusTest
class SampleEventsTest {

    private static final Path EVENTS = Paths.get("events");

    @Inject
    LocalFunctions functions;
    @Inject
    ObjectMapper json;
    @Inject
    SampleFixture sampleFixture;

    /** In the order they run: some samples act on what earlier ones did (reserve, then release). */
    private static Map<String, Consumer<JsonNode>> expectations() {
        Map<String, Consumer<JsonNode>> e = new LinkedHashMap<>();
        e.put("create-customer", http(201, "customerId"));
        e.put("create-customer.invalid", http(400, "errors"));
        e.put("get-customer", http(200, "availableCreditCents"));
        e.put("get-customer.unknown", http(404, "detail"));
        e.put("delete-customer", out -> assertThat(out.get("statusCode").asInt()).as(out.toString()).isIn(204, 404));
        e.put("create-product", http(201, "available"));
        e.put("create-product.duplicate", http(409, "detail"));
        e.put("get-product", http(200, "available"));
        e.put("restock-product", http(200, "stock"));
        e.put("place-order", http(202, "orderId"));
        e.put("quote-order", http(200, "verdict"));
        e.put("place-order.unauthorized", http(401, "detail"));
        e.put("get-order", http(200, "executionId"));
        e.put("get-order.as-of", http(200, "status"));
        e.put("get-order.as-of-invalid", http(400, "errors"));
        e.put("get-order-events", http(200, "events"));
        e.put("get-order-invoice", http(200, "invoiceNumber"));
        e.put("get-order-invoice.not-issued", http(404, "detail"));
        e.put("create-invoice-link", http(201, "url"));
        e.put("get-invoice-by-link", http(200, "invoiceNumber"));
        e.put("revoke-invoice-link", noContent());
        e.put("create-campaign-event", http(201, "campaignEventId"));
        e.put("create-campaign-event.no-zone", http(400, "errors"));
        e.put("get-campaign-event", http(200, "campaignEventId"));
        e.put("get-campaign-event.unknown", http(404, "detail"));
        e.put("list-campaign-event-events", http(200, "items"));
        e.put("list-live-campaign-events", http(200, "items"));
        e.put("replace-campaign-event", http(200, "endDate"));
        e.put("patch-campaign-event", http(200, "name"));
        e.put("create-event", http(201, "eventId"));
        e.put("create-event.outside-window", http(400, "errors"));
        e.put("get-event", http(200, "eventId"));
        e.put("list-live-events", http(200, "items"));
        e.put("replace-event", http(200, "startDate"));
        e.put("patch-event", http(200, "name"));
        e.put("delete-event", noContent());
        e.put("delete-campaign-event", noContent());
        e.put("check-order", out -> assertThat(out.get("status").asText()).isEqualTo("PENDING"));
        e.put("check-order.unknown-order", error("io.sagaline.orders.UnknownOrder"));
        e.put("quote-stock", out -> assertThat(out.get("totalCents").asLong()).isEqualTo(2400));
        e.put("reserve-stock", out -> assertThat(out.get("totalCents").asLong()).isEqualTo(2400));
        e.put("reserve-stock.out-of-stock", error("io.sagaline.inventory.OutOfStock"));
        e.put("reserve-stock.unknown-product", error("io.sagaline.inventory.UnknownProduct"));
        e.put("quote-credit", out -> assertThat(out.get("coversIt").isBoolean()).isTrue());
        e.put("reserve-credit", out -> assertThat(out.get("amountCents").asLong()).isEqualTo(2400));
        e.put("reserve-credit.credit-limit-exceeded", error("io.sagaline.customers.CreditLimitExceeded"));
        e.put("reserve-credit.unknown-customer", error("io.sagaline.customers.UnknownCustomer"));
        e.put("authorize-payment", out -> assertThat(out.get("authorizationId").asText()).startsWith("auth_"));
        e.put("authorize-payment.declined", error("io.sagaline.payments.PaymentDeclined"));
        e.put("void-payment", out -> assertThat(out.get("voided").asBoolean()).isTrue());
        e.put("release-credit", out -> assertThat(out.get("released").asBoolean()).isTrue());
        e.put("release-stock", out -> assertThat(out.get("released").asBoolean()).isTrue());
        e.put("approve-order", out -> assertThat(out.get("status").asText()).isEqualTo("APPROVED"));
        e.put("reject-order", out -> assertThat(out.get("rejectionReason").asText()).isEqualTo("CREDIT_LIMIT_EXCEEDED"));
        e.put("cancel-order", http(202, "cancellationExecutionId"));
        e.put("cancel-order.not-approved", http(409, "detail"));
        e.put("refund-payment", out -> assertThat(out.get("refunded").asBoolean()).isTrue());
        e.put("complete-cancellation", out -> assertThat(out.get("status").asText()).isEqualTo("CANCELLED"));
        e.put("withdraw-cancellation", out -> assertThat(out.get("status").asText()).isEqualTo("APPROVED"));
        e.put("issue-invoice", out -> assertThat(out.get("batchItemFailures")).isEmpty());
        e.put("issue-invoice.poison", out -> assertThat(out.get("batchItemFailures")).hasSize(1)
                .allSatisfy(
                        f -> assertThat(f.get("itemIdentifier").asText()).isEqualTo("5f1c0e2a-8d3b-4e6f-9a7c-0b1d2e3f4a01")));
        e.put("record-customer-contact", out -> assertThat(out.get("batchItemFailures")).isEmpty());
        e.put("record-notification", out -> assertThat(out.get("batchItemFailures")).isEmpty());
        e.put("sweep-orders-outbox", out -> assertThat(out.has("sent")).isTrue());
        e.put("sweep-customers-outbox", out -> assertThat(out.has("sent")).isTrue());
        e.put("reseal-customers-data",
                out -> assertThat(out.has("sealed") && out.has("rewrapped")).as(out.toString()).isTrue());
        e.put("reseal-notifications-data", out -> assertThat(out.has("rewrapped")).as(out.toString()).isTrue());
        e.put("sweep-campaigns-outbox", out -> assertThat(out.has("sent")).isTrue());
        e.put("refresh-campaigns-cache", out -> assertThat(out.get("batchItemFailures")).isEmpty());
        e.put("authorize-api-key", out -> {
            assertThat(out.get("isAuthorized").asBoolean()).isTrue();
            assertThat(out.path("context").path("tenant").asText()).isEqualTo("demo");
            assertThat(out.path("context").path("scopes").asText()).contains("orders:read");
        });
        e.put("authorize-api-key.unknown-key",
                out -> assertThat(out.path("context").path("refused").asText()).isEqualTo("true"));
        e.put("manage-api-keys", out -> assertThat(out.get("keys")).anySatisfy(k -> assertThat(k.get("keyPrefix").asText())
                .startsWith("local-de")));
        e.put("manage-api-keys.create", out -> assertThat(out.get("apiKey").asText()).startsWith("sgl_"));
        e.put("create-token", http(201, "token"));
        e.put("list-audit-entries", http(200, "items"));
        e.put("verify-audit-log", out -> assertThat(out.get("intact").asBoolean()).as(out.toString()).isTrue());
        e.put("rebuild-order-views", out -> assertThat(out.get("orders").asInt()).isPositive());
        e.put("prepare-database", out -> {
            assertThat(out.get("schemaVersion").asText()).isNotBlank();
            assertThat(out.get("roles")).extracting(JsonNode::asText).contains("svc_orders", "svc_customers");
        });
        e.put("create-webhook", http(201, "secret"));
        e.put("create-webhook.private-address", http(400, "errors"));
        e.put("list-webhooks", http(200, "items"));
        e.put("get-webhook", http(200, "webhookId"));
        e.put("rotate-webhook-secret", http(200, "secret"));
        e.put("fan-out-webhooks", out -> assertThat(out.get("batchItemFailures")).isEmpty());
        e.put("list-webhook-deliveries", http(200, "items"));
        e.put("replay-webhook-delivery", http(202, "deliveryId"));
        e.put("deliver-webhooks", out -> assertThat(out.get("batchItemFailures")).isEmpty());
        e.put("sweep-webhook-deliveries", out -> assertThat(out.has("woken")).isTrue());
        e.put("delete-webhook", noContent());
        e.put("redrive-dead-letters",
                out -> assertThat(out.get("deadLetterQueue").asText()).isEqualTo("invoices-order-approved-dlq"));
        return e;
    }

    @Test
    void everySample_givesItsExpectedOutcome() throws Exception {
        fixture();
        assertThat(Files.list(EVENTS).map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json"))
                .map(n -> n.substring(0, n.length() - 5)).collect(Collectors.toSet()))
                .as("every sample has an expectation, every expectation a sample")
                .isEqualTo(expectations().keySet());
        assertThat(functions.catalog().functions()).allSatisfy(
                f -> assertThat(EVENTS.resolve(f.name() + ".json")).as("sample of " + f.name()).exists());

        SoftAssertions softly = new SoftAssertions();
        expectations().forEach((sample, expected) -> softly.check(() -> {
            String function = sample.contains(".") ? sample.substring(0, sample.indexOf('.')) : sample;
            byte[] payload = Files.readAllBytes(EVENTS.resolve(sample + ".json"));
            JsonNode outcome;
            try {
                outcome = json.readTree(functions.invoke(function, payload));
            } catch (FunctionFailure f) {
                outcome = json.createObjectNode().put("errorType", f.errorType()).put("errorMessage", f.errorMessage());
            }
            try {
                expected.accept(outcome);
            } catch (AssertionError e) {
                throw new AssertionError("sample " + sample + ": " + e.getMessage(), e);
            }
        }));
        softly.assertAll();
    }

    private static Consumer<JsonNode> noContent() {
        return out -> {
            assertThat(out.get("statusCode").asInt()).as("statusCode of " + out).isEqualTo(204);
            assertThat(out.path("body").isNull() || out.path("body").isMissingNode()).as("no body in " + out).isTrue();
        };
    }

    private static Consumer<JsonNode> http(int status, String bodyField) {
        return out -> {
            assertThat(out.get("statusCode").asInt()).as("statusCode of " + out).isEqualTo(status);
            try {
                assertThat(new ObjectMapper().readTree(out.get("body").asText()).has(bodyField)).as("body has " + bodyField)
                        .isTrue();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        };
    }

    private static Consumer<JsonNode> error(String errorType) {
        return out -> assertThat(out.path("errorType").asText()).as("errorType of " + out).isEqualTo(errorType);
    }

    /** The fixture the samples act on, loaded as dev mode loads it for a developer. */
    private void fixture() throws Exception {
        sampleFixture.load();
    }
}
