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

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.local.LocalFunctions;
import io.sagaline.local.LocalFunctions.FunctionFailure;
import io.sagaline.support.Db;

/**
 * Every sample in {@code events/} invoked on the function its name names, as Lambda would invoke
 * it, against a small fixture; each must give the outcome listed here. A sample without an
 * expectation, or a catalog function without a sample, fails the test.
 */
@QuarkusTest
class SampleEventsTest {

    private static final Path EVENTS = Paths.get("events");
    private static final String CUSTOMER = "6f1d6a0e-3c1b-4b7e-9a51-2f3c4d5e6f70";

    @Inject
    LocalFunctions functions;
    @Inject
    ObjectMapper json;
    @Inject
    AgroalDataSource dataSource;

    /** In the order they run: some samples act on what earlier ones did (reserve, then release). */
    private static Map<String, Consumer<JsonNode>> expectations() {
        Map<String, Consumer<JsonNode>> e = new LinkedHashMap<>();
        e.put("create-customer", http(201, "customerId"));
        e.put("create-customer.invalid", http(400, "errors"));
        e.put("get-customer", http(200, "availableCreditCents"));
        e.put("get-customer.unknown", http(404, "detail"));
        e.put("create-product", http(201, "available"));
        e.put("create-product.duplicate", http(409, "detail"));
        e.put("get-product", http(200, "available"));
        e.put("restock-product", http(200, "stock"));
        e.put("place-order", http(202, "orderId"));
        e.put("place-order.unauthorized", http(401, "detail"));
        e.put("get-order", http(200, "executionId"));
        e.put("reserve-stock", out -> assertThat(out.get("totalCents").asLong()).isEqualTo(2400));
        e.put("reserve-stock.out-of-stock", error("io.sagaline.inventory.OutOfStock"));
        e.put("reserve-stock.unknown-product", error("io.sagaline.inventory.UnknownProduct"));
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
        return e;
    }

    @Test
    void everySample_givesItsExpectedOutcome() throws IOException {
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

    private void fixture() {
        Db db = new Db(dataSource);
        db.update("""
                insert into customers.customers (id, tenant, name, email, credit_limit_cents, available_credit_cents)
                values (?::uuid, 'demo', 'Ada Lovelace', 'ada@example.com', 100000, 100000) on conflict do nothing""",
                CUSTOMER);
        db.update("""
                insert into inventory.products (tenant, sku, name, unit_price_cents, stock)
                values ('demo', 'SAMPLE-MUG', 'Mug', 1200, 100) on conflict do nothing""");
        for (String order : new String[] { "0b7c2f7e-1d2a-4c3b-8e4f-5a6b7c8d9e01", "0b7c2f7e-1d2a-4c3b-8e4f-5a6b7c8d9e02" }) {
            db.update("""
                    insert into orders.orders (id, tenant, customer_id, status, execution_id)
                    values (?::uuid, 'demo', ?::uuid, 'PENDING', ?) on conflict do nothing""",
                    order, CUSTOMER, "arn:aws:states:us-east-1:000000000000:execution:place-order:" + order);
            db.update("""
                    insert into orders.order_lines (tenant, order_id, line_no, sku, quantity)
                    values ('demo', ?::uuid, 0, 'SAMPLE-MUG', 2) on conflict do nothing""", order);
        }
    }
}
