package io.sagaline.orders;

import static io.sagaline.support.Api.availableCredit;
import static io.sagaline.support.Api.awaitDecided;
import static io.sagaline.support.Api.newCustomer;
import static io.sagaline.support.Api.newProduct;
import static io.sagaline.support.Api.placeOrder;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.sagaline.asl.HistoryEvent;
import io.sagaline.local.LocalStepFunctions;
import io.sagaline.payments.FaultyPaymentGateway;
import io.sagaline.payments.PaymentGatewayClient;
import io.sagaline.payments.PaymentGatewaySimulator;
import io.sagaline.support.Api;
import io.sagaline.support.Db;
import io.sagaline.support.Invariants;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;

/**
 * The PlaceOrder saga end to end through the local gateway: every row of the payment token
 * table and every rejection reason, with the stock, credit and payment state each one leaves.
 */
@QuarkusTest
class PlaceOrderSagaTest {

    private static final long PRICE = 1200;
    private static final long STOCK = 10;
    private static final long CREDIT = 100_000;

    @Inject
    FaultyPaymentGateway gateway;
    @Inject
    CircuitBreakerMaintenance circuits;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    LocalStepFunctions engine;

    Db db;
    String sku;
    String customer;

    @BeforeEach
    void freshCustomerAndProduct() {
        db = new Db(dataSource);
        sku = newProduct(PRICE, STOCK);
        customer = newCustomer(CREDIT);
    }

    @AfterEach
    void closeTheCircuit() {
        circuits.reset(PaymentGatewayClient.AUTHORIZE_CIRCUIT);
    }

    @Test
    void tokOk_isApprovedWithPricedLinesAndHoldsStockCreditAndALiveAuthorisation() {
        String orderId = placeOrder(customer, "tok_ok", sku, 2);

        JsonPath order = awaitDecided(orderId);

        assertThat(order.getString("status")).isEqualTo("APPROVED");
        assertThat(order.getString("rejectionReason")).isNull();
        assertThat(order.getString("customerId")).isEqualTo(customer);
        assertThat(order.getList("items", Map.class))
                .containsExactly(Map.of("sku", sku, "quantity", 2, "unitPriceCents", (int) PRICE));
        assertThat(order.getLong("totalCents")).isEqualTo(2 * PRICE);
        assertThat(order.getString("executionId"))
                .isEqualTo("arn:aws:states:us-east-1:000000000000:execution:place-order:" + orderId);
        assertThat(Api.product(sku).getLong("reserved")).isEqualTo(2);
        assertThat(Api.available(sku)).isEqualTo(STOCK - 2);
        assertThat(availableCredit(customer)).isEqualTo(CREDIT - 2 * PRICE);
        assertThat(authorisation(orderId)).containsEntry("status", "AUTHORIZED").containsEntry("amount_cents", 2 * PRICE);
        assertThat(gateway.authorization("demo:" + orderId)).hasValueSatisfying(a -> {
            assertThat(a.state()).isEqualTo(PaymentGatewaySimulator.State.AUTHORIZED);
            assertThat(a.amountCents()).isEqualTo(2 * PRICE);
        });
    }

    @Test
    void tokFlaky_isApprovedAfterTheGatewayIsAskedAgain() {
        String orderId = placeOrder(customer, "tok_flaky", sku, 1);

        assertThat(awaitDecided(orderId).getString("status")).isEqualTo("APPROVED");
        assertThat(gateway.authorizeCalls("demo:" + orderId)).isEqualTo(2);
        assertThat(authorisation(orderId)).containsEntry("status", "AUTHORIZED");
        assertThat(Api.available(sku)).isEqualTo(STOCK - 1);
        assertThat(availableCredit(customer)).isEqualTo(CREDIT - PRICE);
    }

    @Test
    void tokDeclined_isRejectedAsPaymentDeclinedAndGivesBackStockAndCredit() {
        String orderId = placeOrder(customer, "tok_declined", sku, 3);

        JsonPath order = awaitDecided(orderId);

        assertThat(order.getString("status")).isEqualTo("REJECTED");
        assertThat(order.getString("rejectionReason")).isEqualTo("PAYMENT_DECLINED");
        assertThat(order.getLong("totalCents")).isEqualTo(3 * PRICE);
        assertThat(gateway.authorizeCalls("demo:" + orderId)).as("a decline is an answer, never retried").isEqualTo(1);
        assertHoldsNothing(orderId);
    }

    @Test
    void tokUnavailable_isRetriedThenOpensTheCircuitAndIsRejectedAsPaymentUnavailable() {
        String orderId = placeOrder(customer, "tok_unavailable", sku, 1);

        JsonPath order = awaitDecided(orderId);

        assertThat(order.getString("status")).isEqualTo("REJECTED");
        assertThat(order.getString("rejectionReason")).isEqualTo("PAYMENT_UNAVAILABLE");
        assertThat(gateway.authorizeCalls("demo:" + orderId)).as("one call and its three retries").isEqualTo(4);
        assertThat(circuits.currentState(PaymentGatewayClient.AUTHORIZE_CIRCUIT)).isEqualTo(CircuitBreakerState.OPEN);
        assertHoldsNothing(orderId);
    }

    @Test
    void flakyPaymentsOneAfterAnother_neverOpenTheCircuit() {
        for (int i = 0; i < 3; i++) {
            assertThat(awaitDecided(placeOrder(customer, "tok_flaky", sku, 1)).getString("status")).isEqualTo("APPROVED");
        }

        assertThat(circuits.currentState(PaymentGatewayClient.AUTHORIZE_CIRCUIT)).isEqualTo(CircuitBreakerState.CLOSED);
        assertThat(awaitDecided(placeOrder(customer, "tok_ok", sku, 1)).getString("status")).isEqualTo("APPROVED");
    }

    @Test
    void whileTheCircuitIsOpen_anOrderIsRejectedAsPaymentUnavailableWithoutReachingTheGateway() {
        awaitDecided(placeOrder(customer, "tok_unavailable", sku, 1));
        assertThat(circuits.currentState(PaymentGatewayClient.AUTHORIZE_CIRCUIT)).isEqualTo(CircuitBreakerState.OPEN);

        String orderId = placeOrder(customer, "tok_ok", sku, 1);

        assertThat(awaitDecided(orderId).getString("rejectionReason")).isEqualTo("PAYMENT_UNAVAILABLE");
        assertThat(gateway.authorizeCalls("demo:" + orderId)).isZero();
        assertHoldsNothing(orderId);
    }

    @Test
    void moreThanTheStock_isRejectedAsOutOfStockAndTakesNothing() {
        String orderId = placeOrder(customer, "tok_ok", sku, STOCK + 1);

        JsonPath order = awaitDecided(orderId);

        assertThat(order.getString("rejectionReason")).isEqualTo("OUT_OF_STOCK");
        assertHoldsNothing(orderId);
        assertThat(db.rows("select * from payments.authorizations where order_id = ?::uuid", orderId))
                .as("the saga never reached payments").isEmpty();
    }

    @Test
    void oneLineOutOfStock_reservesNoneOfTheOtherLines() {
        String plenty = newProduct(500, 100);
        String orderId = placeOrder(customer, "tok_ok", plenty, 5, sku, STOCK + 1);

        assertThat(awaitDecided(orderId).getString("rejectionReason")).isEqualTo("OUT_OF_STOCK");
        assertThat(Api.available(plenty)).isEqualTo(100);
        assertThat(Api.product(plenty).getLong("reserved")).isZero();
        assertHoldsNothing(orderId);
    }

    @Test
    void moreThanTheCredit_isRejectedAsCreditLimitExceededAndReleasesTheStock() {
        String poor = newCustomer(PRICE - 1);
        String orderId = placeOrder(poor, "tok_ok", sku, 1);

        JsonPath order = awaitDecided(orderId);

        assertThat(order.getString("rejectionReason")).isEqualTo("CREDIT_LIMIT_EXCEEDED");
        assertThat(order.getLong("totalCents")).isEqualTo(PRICE);
        assertThat(availableCredit(poor)).isEqualTo(PRICE - 1);
        assertThat(Api.available(sku)).isEqualTo(STOCK);
        assertThat(db.row("select status, tombstone from customers.credit_reservations where order_id = ?::uuid", orderId))
                .as("ReleaseCredit ran for credit never taken: a tombstone")
                .containsEntry("status", "RELEASED").containsEntry("tombstone", true);
    }

    @Test
    void anUnknownCustomer_isRejectedAsUnknownCustomerAndReleasesTheStock() {
        String orderId = placeOrder(UUID.randomUUID().toString(), "tok_ok", sku, 1);

        assertThat(awaitDecided(orderId).getString("rejectionReason")).isEqualTo("UNKNOWN_CUSTOMER");
        assertThat(Api.available(sku)).isEqualTo(STOCK);
        assertThat(Api.product(sku).getLong("reserved")).isZero();
    }

    @Test
    void anUnknownSku_isRejectedAsUnknownProductAndReservesNothing() {
        String orderId = placeOrder(customer, "tok_ok", sku, 1, "NO-SUCH-SKU", 1);

        JsonPath order = awaitDecided(orderId);

        assertThat(order.getString("rejectionReason")).isEqualTo("UNKNOWN_PRODUCT");
        assertThat(order.getString("totalCents")).as("never priced").isNull();
        assertThat(Api.available(sku)).isEqualTo(STOCK);
        assertThat(availableCredit(customer)).isEqualTo(CREDIT);
    }

    @Test
    void aDeclinedPayment_compensatesEveryEarlierStepInReverseOrder() {
        String orderId = placeOrder(customer, "tok_declined", sku, 1);
        String executionArn = awaitDecided(orderId).getString("executionId");

        var execution = engine.execution(executionArn).orElseThrow();
        assertThat(execution.awaitEnd(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        List<HistoryEvent> history = engine.execution(executionArn).orElseThrow().history();
        List<String> states = history.stream().filter(e -> e.type().endsWith("StateEntered"))
                .map(e -> e.details().get("name").asText()).toList();

        assertThat(states).containsExactly("CheckOrder", "ReserveStock", "ReserveCredit", "AuthorizePayment",
                "RejectedPaymentDeclined",
                "VoidPayment", "ReleaseCredit", "ReleaseStock", "RejectOrder");
        assertThat(history.get(history.size() - 1).type()).isEqualTo("ExecutionSucceeded");
        assertThat(history).filteredOn(e -> e.type().equals("LambdaFunctionFailed")).singleElement()
                .satisfies(
                        e -> assertThat(e.details().get("error").asText()).isEqualTo("io.sagaline.payments.PaymentDeclined"));
    }

    /** A rejected order holds no stock, no credit and no live authorisation, here or at the gateway. */
    private void assertHoldsNothing(String orderId) {
        assertThat(Api.available(sku)).isEqualTo(STOCK);
        assertThat(Api.product(sku).getLong("reserved")).isZero();
        assertThat(availableCredit(customer)).isEqualTo(CREDIT);
        Invariants.rejectedOrderHoldsNothing(db, orderId);
        gateway.authorization("demo:" + orderId)
                .ifPresent(a -> assertThat(a.state()).as("no live authorisation at the gateway")
                        .isEqualTo(PaymentGatewaySimulator.State.VOIDED));
    }

    private Map<String, Object> authorisation(String orderId) {
        return db.row("select status, amount_cents from payments.authorizations where order_id = ?::uuid", orderId);
    }

    @Test
    void anExecutionStartedDirectlyForAnOrderThatDoesNotExist_failsAtCheckOrderAndReservesNothing() throws Exception {
        String orderId = UUID.randomUUID().toString();
        String input = """
                {"tenant":"demo","orderId":"%s","customerId":"%s","items":[{"sku":"%s","quantity":1}],"paymentToken":"tok_ok"}"""
                .formatted(orderId, customer, sku);
        var execution = engine.start("arn:aws:states:us-east-1:000000000000:stateMachine:place-order", orderId, input);
        assertThat(execution.awaitEnd(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        assertThat(execution.status()).isEqualTo(io.sagaline.asl.Execution.Status.FAILED);
        assertThat(execution.error()).isEqualTo("io.sagaline.orders.UnknownOrder");
        assertNothingReservedFor(orderId);
    }

    @Test
    void anExecutionStartedDirectlyForAnotherTenantsOrder_failsAtCheckOrderAndReservesNothing() throws Exception {
        String orderId = placeOrder(customer, "tok_declined", sku, 1);
        awaitDecided(orderId);
        String input = """
                {"tenant":"other","orderId":"%s","customerId":"%s","items":[{"sku":"%s","quantity":1}],"paymentToken":"tok_ok"}"""
                .formatted(orderId, customer, sku);
        var execution = engine.start("arn:aws:states:us-east-1:000000000000:stateMachine:place-order", "again-" + orderId,
                input);
        assertThat(execution.awaitEnd(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        assertThat(execution.error()).isEqualTo("io.sagaline.orders.UnknownOrder");
        assertThat(db.rows("select 1 from inventory.stock_reservations where tenant = 'other' and order_id = ?::uuid",
                orderId)).isEmpty();
        assertThat(Api.available(sku)).as("the demo order's stock was given back, and nothing taken since")
                .isEqualTo(STOCK);
    }

    private void assertNothingReservedFor(String orderId) {
        assertThat(db.rows("select 1 from inventory.stock_reservations where order_id = ?::uuid", orderId)).isEmpty();
        assertThat(db.rows("select 1 from customers.credit_reservations where order_id = ?::uuid", orderId)).isEmpty();
        assertThat(db.rows("select 1 from payments.authorizations where order_id = ?::uuid", orderId)).isEmpty();
        assertThat(Api.available(sku)).isEqualTo(STOCK);
        assertThat(availableCredit(customer)).isEqualTo(CREDIT);
    }
}
