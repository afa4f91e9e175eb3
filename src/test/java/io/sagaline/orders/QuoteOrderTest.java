package io.sagaline.orders;

import static io.sagaline.support.Api.available;
import static io.sagaline.support.Api.availableCredit;
import static io.sagaline.support.Api.awaitDecided;
import static io.sagaline.support.Api.newCustomer;
import static io.sagaline.support.Api.newProduct;
import static io.sagaline.support.Api.placeOrder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.sagaline.support.Api;
import io.sagaline.support.Db;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.StateMachineType;
import software.amazon.awssdk.services.sfn.model.StateMachineTypeNotSupportedException;
import software.amazon.awssdk.services.sfn.model.SyncExecutionStatus;

/**
 * {@code POST /orders/quote} end to end through the local gateway: the catalog's EXPRESS state
 * machine quote-order run by StartSyncExecution, answering what PlaceOrder would decide now
 * (every rejection reason, in the saga's order), reserving nothing, audited, and a 503 when the
 * execution cannot finish.
 */
@QuarkusTest
class QuoteOrderTest {

    private static final String QUOTE_ORDER = "arn:aws:states:us-east-1:000000000000:stateMachine:quote-order";
    private static final long PRICE = 1200;
    private static final long OTHER_PRICE = 350;
    private static final long STOCK = 10;

    @Inject
    AgroalDataSource dataSource;
    @Inject
    SfnClient sfn;
    @Inject
    ObjectMapper json;

    Db db;
    String sku;
    String otherSku;

    @BeforeEach
    void freshProducts() {
        db = new Db(dataSource);
        sku = newProduct(PRICE, STOCK);
        otherSku = newProduct(OTHER_PRICE, STOCK);
    }

    private static Map<String, Object> quote(String customerId, Object... skuQuantityPairs) {
        List<Map<String, Object>> items = new ArrayList<>();
        for (int i = 0; i < skuQuantityPairs.length; i += 2) {
            items.add(Map.of("sku", skuQuantityPairs[i], "quantity", skuQuantityPairs[i + 1]));
        }
        return Map.of("customerId", customerId, "items", items);
    }

    private static JsonNode quoted(String customerId, Object... skuQuantityPairs) {
        return Api.send("POST", "/orders/quote", quote(customerId, skuQuantityPairs), 200);
    }

    private long reservationsOf(String sku) {
        return ((Number) db.row("select count(*) as n from inventory.stock_reservation_lines where sku = ?", sku).get("n"))
                .longValue();
    }

    @Test
    void linesThatCanBeHadByACustomerWhoseCreditCoversThem_wouldBeApproved_pricedInTheRequestsOrder_andNothingIsReserved() {
        String customer = newCustomer(100_000);

        JsonNode quote = quoted(customer, sku, 2, otherSku, 3);

        assertThat(quote.get("customerId").asText()).isEqualTo(customer);
        assertThat(quote.get("verdict").asText()).isEqualTo("WOULD_APPROVE");
        assertThat(quote.has("rejectionReason")).isFalse();
        assertThat(quote.get("totalCents").asLong()).isEqualTo(2 * PRICE + 3 * OTHER_PRICE);
        assertThat(json.convertValue(quote.get("items"), List.class)).containsExactly(
                Map.of("sku", sku, "quantity", 2, "unitPriceCents", (int) PRICE, "inStock", true),
                Map.of("sku", otherSku, "quantity", 3, "unitPriceCents", (int) OTHER_PRICE, "inStock", true));
        assertThat(quote.toString()).as("the customer's credit is never shown").doesNotContain("100000");
        // a quote reserves nothing: the stock, the credit and the reservations are as they were
        assertThat(available(sku)).isEqualTo(STOCK);
        assertThat(available(otherSku)).isEqualTo(STOCK);
        assertThat(availableCredit(customer)).isEqualTo(100_000);
        assertThat(reservationsOf(sku)).isZero();
        assertThat(db.rows("select 1 from customers.credit_reservations where customer_id = ?::uuid", customer)).isEmpty();
    }

    @Test
    void aCreditThatCoversTheTotalExactly_wouldBeApproved_andACentLess_wouldBeRejectedAsCreditLimitExceeded() {
        JsonNode exact = quoted(newCustomer(3 * PRICE), sku, 3);
        JsonNode short_ = quoted(newCustomer(3 * PRICE - 1), sku, 3);

        assertThat(exact.get("verdict").asText()).isEqualTo("WOULD_APPROVE");
        assertThat(short_.get("verdict").asText()).isEqualTo("WOULD_REJECT");
        assertThat(short_.get("rejectionReason").asText()).isEqualTo("CREDIT_LIMIT_EXCEEDED");
        assertThat(short_.get("totalCents").asLong()).isEqualTo(3 * PRICE);
        assertThat(short_.get("items").get(0).get("inStock").asBoolean()).isTrue();
    }

    @Test
    void theStockIsWhatIsAvailable_stockLessWhatApprovedOrdersHold() {
        String customer = newCustomer(1_000_000);
        String orderId = placeOrder(customer, "tok_ok", sku, 8);
        assertThat(awaitDecided(orderId).getString("status")).isEqualTo("APPROVED");

        JsonNode fits = quoted(customer, sku, 2);
        JsonNode tooMany = quoted(customer, sku, 3, otherSku, 1);

        assertThat(fits.get("verdict").asText()).isEqualTo("WOULD_APPROVE");
        assertThat(tooMany.get("verdict").asText()).isEqualTo("WOULD_REJECT");
        assertThat(tooMany.get("rejectionReason").asText()).isEqualTo("OUT_OF_STOCK");
        assertThat(tooMany.get("totalCents").asLong()).isEqualTo(3 * PRICE + OTHER_PRICE);
        assertThat(tooMany.get("items").get(0).get("inStock").asBoolean()).isFalse();
        assertThat(tooMany.get("items").get(1).get("inStock").asBoolean()).isTrue();
        assertThat(available(sku)).isEqualTo(2);
    }

    @Test
    void anUnknownSku_decidesBeforeALineOutOfStockAndBeforeTheCustomer_andLeavesNoTotal() {
        String unknownSku = "NOPE-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();

        JsonNode quote = quoted(UUID.randomUUID().toString(), sku, STOCK + 1, unknownSku, 1);

        assertThat(quote.get("verdict").asText()).isEqualTo("WOULD_REJECT");
        assertThat(quote.get("rejectionReason").asText()).isEqualTo("UNKNOWN_PRODUCT");
        assertThat(quote.get("totalCents").isNull()).isTrue();
        assertThat(quote.get("items").get(0).get("unitPriceCents").asLong()).isEqualTo(PRICE);
        assertThat(quote.get("items").get(0).get("inStock").asBoolean()).isFalse();
        assertThat(quote.get("items").get(1).get("sku").asText()).isEqualTo(unknownSku);
        assertThat(quote.get("items").get(1).get("unitPriceCents").isNull()).isTrue();
        assertThat(quote.get("items").get(1).get("inStock").asBoolean()).isFalse();
    }

    @Test
    void aLineOutOfStock_decidesBeforeTheCustomer() {
        JsonNode quote = quoted(UUID.randomUUID().toString(), sku, STOCK + 1);

        assertThat(quote.get("rejectionReason").asText()).isEqualTo("OUT_OF_STOCK");
    }

    @Test
    void anUnknownAnotherTenantsOrAnErasedCustomer_wouldBeRejectedAsUnknownCustomer() {
        String othersCustomer = Api.as(Api.OTHER_KEY)
                .body(Map.of("name", "Bea", "email", "bea@example.com", "creditLimitCents", 1_000_000)).post("/customers")
                .then().statusCode(201).extract().path("customerId");
        String erased = newCustomer(1_000_000);
        Api.demo().delete("/customers/" + erased).then().statusCode(204);

        for (String customer : List.of(UUID.randomUUID().toString(), othersCustomer, erased)) {
            JsonNode quote = quoted(customer, sku, 1);
            assertThat(quote.get("verdict").asText()).as(customer).isEqualTo("WOULD_REJECT");
            assertThat(quote.get("rejectionReason").asText()).as(customer).isEqualTo("UNKNOWN_CUSTOMER");
            assertThat(quote.get("totalCents").asLong()).isEqualTo(PRICE);
        }
    }

    @Test
    void everyQuoteIsAudited_onTheCustomer_andAnUnknownOneAsNotFound() {
        String customer = newCustomer(100_000);
        String unknown = UUID.randomUUID().toString();

        quoted(customer, sku, 1);
        quoted(unknown, sku, 1);

        JsonNode entries = Api.get("/audit?operation=quote-order&resource=customers/" + customer, 200).get("items");
        assertThat(entries).hasSize(1);
        assertThat(entries.get(0).get("outcome").asText()).isEqualTo("SUCCEEDED");
        assertThat(entries.get(0).get("actor").asText()).isEqualTo("api-key");
        JsonNode miss = Api.get("/audit?operation=quote-order&resource=customers/" + unknown, 200).get("items");
        assertThat(miss).hasSize(1);
        assertThat(miss.get(0).get("outcome").asText()).isEqualTo("NOT_FOUND");
    }

    @Test
    void badInput_isA400NamingTheField_andNothingIsQuotedOrAudited() {
        String customer = newCustomer(100_000);
        Map<String, Object> notAUuid = quote("ada", sku, 1);
        Map<String, Object> twice = quote(customer, sku, 1, sku, 2);
        Map<String, Object> none = Map.of("customerId", customer, "items", List.of());
        Map<String, Object> zero = quote(customer, sku, 0);
        Map<String, Object> noItems = Map.of("customerId", customer);

        for (Map<String, Object> body : List.of(notAUuid, twice, none, zero, noItems)) {
            Response answer = Api.demo().body(body).post("/orders/quote");
            assertThat(answer.statusCode()).as(body.toString()).isEqualTo(400);
            assertThat(answer.contentType()).startsWith("application/problem+json");
            String field = answer.jsonPath().getString("errors[0].field");
            assertThat(field).as(body.toString()).startsWith(body == notAUuid ? "customerId" : "items");
        }
        assertThat(Api.get("/audit?operation=quote-order&resource=customers/" + customer, 200).get("items")).isEmpty();
    }

    @Test
    void quoteOrder_isAnExpressStateMachine_runBySyncExecution_whoseExecutionsAreNotKept() throws Exception {
        assertThat(sfn.describeStateMachine(r -> r.stateMachineArn(QUOTE_ORDER)).type()).isEqualTo(StateMachineType.EXPRESS);
        String customer = newCustomer(100_000);
        String input = "{\"tenant\":\"demo\",\"customerId\":\"" + customer + "\",\"items\":[{\"sku\":\"" + sku
                + "\",\"quantity\":2}]}";

        var run = sfn.startSyncExecution(r -> r.stateMachineArn(QUOTE_ORDER).input(input));

        assertThat(run.status()).isEqualTo(SyncExecutionStatus.SUCCEEDED);
        assertThat(run.executionArn()).contains(":express:quote-order:");
        JsonNode output = json.readTree(run.output());
        assertThat(output.at("/stock/totalCents").asLong()).isEqualTo(2 * PRICE);
        assertThat(output.at("/stock/canBeHad").asBoolean()).isTrue();
        assertThat(output.at("/credit/coversIt").asBoolean()).isTrue();
        assertThatThrownBy(() -> sfn.listExecutions(r -> r.stateMachineArn(QUOTE_ORDER)))
                .isInstanceOf(StateMachineTypeNotSupportedException.class);
        assertThatThrownBy(() -> sfn.startSyncExecution(r -> r.stateMachineArn(
                "arn:aws:states:us-east-1:000000000000:stateMachine:place-order").input("{}")))
                .isInstanceOf(StateMachineTypeNotSupportedException.class);
    }

    @Test
    void aQuoteWhoseExecutionCannotFinish_isA503WithRetryAfter_andIsNotAudited() throws Exception {
        String customer = newCustomer(100_000);
        // The products table locked against every read: QuoteStock times out (3 s), is retried once,
        // and the execution reaches its 5 s TimeoutSeconds.
        try (Connection locker = dataSource.getConnection()) {
            locker.setAutoCommit(false);
            try (Statement lock = locker.createStatement()) {
                lock.execute("lock table inventory.products in access exclusive mode");
            }
            try {
                Response answer = Api.demo().body(quote(customer, sku, 1)).post("/orders/quote");

                assertThat(answer.statusCode()).isEqualTo(503);
                assertThat(answer.header("Retry-After")).isEqualTo("1");
                assertThat(answer.contentType()).startsWith("application/problem+json");
                assertThat(answer.jsonPath().getString("detail")).contains("quote-order").contains("TIMED_OUT");
            } finally {
                locker.rollback();
            }
        }
        assertThat(Api.get("/audit?operation=quote-order&resource=customers/" + customer, 200).get("items")).isEmpty();
        assertThat(quoted(customer, sku, 1).get("verdict").asText()).as("once the table is free again")
                .isEqualTo("WOULD_APPROVE");
    }
}
