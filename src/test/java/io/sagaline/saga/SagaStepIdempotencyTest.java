package io.sagaline.saga;

import static io.sagaline.support.Api.availableCredit;
import static io.sagaline.support.Api.newCustomer;
import static io.sagaline.support.Api.newProduct;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
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
import io.sagaline.local.LocalFunctions;
import io.sagaline.local.LocalFunctions.FunctionFailure;
import io.sagaline.payments.FaultyPaymentGateway;
import io.sagaline.payments.PaymentGatewaySimulator;
import io.sagaline.support.Api;
import io.sagaline.support.Db;

/**
 * Step Functions delivers at least once, and a compensation may come before, or instead of,
 * its forward step. Each step and compensation is invoked here as a Task would invoke it: twice
 * must equal once, and a compensation first must leave a tombstone that refuses the late step.
 */
@QuarkusTest
class SagaStepIdempotencyTest {

    private static final String ALREADY_COMPENSATED = "io.sagaline.platform.saga.AlreadyCompensated";

    @Inject
    LocalFunctions functions;
    @Inject
    ObjectMapper json;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    FaultyPaymentGateway gateway;

    Db db;
    String orderId;
    String executionId;
    String sku;
    String customer;

    @BeforeEach
    void newOrderOfOneProductAndCustomer() {
        db = new Db(dataSource);
        orderId = UUID.randomUUID().toString();
        executionId = "arn:aws:states:us-east-1:000000000000:execution:place-order:" + orderId;
        sku = newProduct(1_000, 10);
        customer = newCustomer(50_000);
    }

    // ---- ReserveStock / ReleaseStock ----

    @Test
    void reserveStockTwice_reservesOnceAndAnswersTheSame() {
        JsonNode first = invoke("reserve-stock", reserveStock(3));
        JsonNode second = invoke("reserve-stock", reserveStock(3));

        assertThat(second).isEqualTo(first);
        assertThat(first.get("totalCents").asLong()).isEqualTo(3_000);
        assertThat(Api.product(sku).getLong("reserved")).isEqualTo(3);
    }

    @Test
    void releaseStockTwice_releasesOnce() {
        invoke("reserve-stock", reserveStock(3));

        JsonNode first = invoke("release-stock", step());
        JsonNode second = invoke("release-stock", step());

        assertThat(first.get("released").asBoolean()).isTrue();
        assertThat(second.get("released").asBoolean()).isFalse();
        assertThat(Api.product(sku).getLong("reserved")).isZero();
        assertThat(Api.available(sku)).isEqualTo(10);
    }

    @Test
    void releaseStockBeforeReserveStock_leavesATombstoneThatRefusesTheLateReservation() {
        JsonNode release = invoke("release-stock", step());

        assertThat(release.get("tombstone").asBoolean()).isTrue();
        assertThat(failure("reserve-stock", reserveStock(3)).errorType()).isEqualTo(ALREADY_COMPENSATED);
        assertThat(Api.product(sku).getLong("reserved")).isZero();
        assertThat(invoke("release-stock", step()).get("released").asBoolean()).isFalse();
    }

    @Test
    void reserveStockOutOfStock_failsNamedAndLeavesNoRecord() {
        FunctionFailure failure = failure("reserve-stock", reserveStock(11));

        assertThat(failure.errorType()).isEqualTo("io.sagaline.inventory.OutOfStock");
        assertThat(db.rows("select * from inventory.stock_reservations where order_id = ?::uuid", orderId)).isEmpty();
        assertThat(invoke("reserve-stock", reserveStock(10)).get("totalCents").asLong())
                .as("a failed attempt leaves nothing that blocks a later one").isEqualTo(10_000);
    }

    // ---- ReserveCredit / ReleaseCredit ----

    @Test
    void reserveCreditTwice_takesCreditOnce() {
        JsonNode first = invoke("reserve-credit", reserveCredit(7_000));
        JsonNode second = invoke("reserve-credit", reserveCredit(7_000));

        assertThat(second).isEqualTo(first);
        assertThat(availableCredit(customer)).isEqualTo(43_000);
    }

    @Test
    void releaseCreditTwice_givesBackOnce() {
        invoke("reserve-credit", reserveCredit(7_000));

        invoke("release-credit", step());
        invoke("release-credit", step());

        assertThat(availableCredit(customer)).isEqualTo(50_000);
    }

    @Test
    void releaseCreditBeforeReserveCredit_leavesATombstoneThatRefusesTheLateReservation() {
        assertThat(invoke("release-credit", step()).get("tombstone").asBoolean()).isTrue();

        assertThat(failure("reserve-credit", reserveCredit(7_000)).errorType()).isEqualTo(ALREADY_COMPENSATED);
        assertThat(availableCredit(customer)).isEqualTo(50_000);
    }

    @Test
    void reserveCreditBeyondTheLimit_failsNamedAndTakesNothing() {
        assertThat(failure("reserve-credit", reserveCredit(50_001)).errorType())
                .isEqualTo("io.sagaline.customers.CreditLimitExceeded");
        assertThat(availableCredit(customer)).isEqualTo(50_000);
    }

    @Test
    void reserveCreditForAnUnknownCustomer_failsNamed() {
        Map<String, Object> task = Map.of("tenant", "demo", "orderId", orderId, "executionId", executionId,
                "customerId", UUID.randomUUID().toString(), "amountCents", 100);
        assertThat(failure("reserve-credit", task).errorType()).isEqualTo("io.sagaline.customers.UnknownCustomer");
    }

    // ---- AuthorizePayment / VoidPayment ----

    @Test
    void authorizePaymentTwice_authorisesOnceAtTheGateway() {
        JsonNode first = invoke("authorize-payment", authorize("tok_ok"));
        JsonNode second = invoke("authorize-payment", authorize("tok_ok"));

        assertThat(second).isEqualTo(first);
        assertThat(gateway.authorizeCalls(gatewayKey())).isEqualTo(1);
        assertThat(gateway.authorization(gatewayKey()).orElseThrow().id()).isEqualTo(first.get("authorizationId").asText());
    }

    @Test
    void voidPaymentTwice_voidsOnce() {
        invoke("authorize-payment", authorize("tok_ok"));

        JsonNode first = invoke("void-payment", step());
        JsonNode second = invoke("void-payment", step());

        assertThat(first.get("voided").asBoolean()).isTrue();
        assertThat(second.get("voided").asBoolean()).isFalse();
        assertThat(gateway.authorization(gatewayKey()).orElseThrow().state()).isEqualTo(PaymentGatewaySimulator.State.VOIDED);
        assertThat(db.row("select status, void_pending from payments.authorizations where order_id = ?::uuid", orderId))
                .containsEntry("status", "VOIDED").containsEntry("void_pending", false);
    }

    @Test
    void voidPaymentBeforeAuthorizePayment_leavesATombstoneAndTheGatewayIsNeverAsked() {
        assertThat(invoke("void-payment", step()).get("tombstone").asBoolean()).isTrue();

        assertThat(failure("authorize-payment", authorize("tok_ok")).errorType()).isEqualTo(ALREADY_COMPENSATED);
        assertThat(gateway.authorizeCalls(gatewayKey())).isZero();
        assertThat(gateway.authorization(gatewayKey())).isEmpty();
    }

    @Test
    void aDeclineReplays_asTheSameNamedErrorWithoutAskingTheGatewayAgain() {
        assertThat(failure("authorize-payment", authorize("tok_declined")).errorType())
                .isEqualTo("io.sagaline.payments.PaymentDeclined");
        assertThat(failure("authorize-payment", authorize("tok_declined")).errorType())
                .isEqualTo("io.sagaline.payments.PaymentDeclined");
        assertThat(gateway.authorizeCalls(gatewayKey())).isEqualTo(1);
    }

    @Test
    void aDuplicateAuthorizePaymentThatRecordsFirst_leavesTheAuthorisationLive() {
        gateway.beforeNextAnswer(() -> db.update(
                "update payments.authorizations set status = 'AUTHORIZED', gateway_authorization_id = 'auth_dup' where order_id = ?::uuid",
                orderId));

        JsonNode authorized = invoke("authorize-payment", authorize("tok_ok"));

        assertThat(authorized.get("authorizationId").asText()).isEqualTo("auth_dup");
        assertThat(gateway.authorization(gatewayKey()).orElseThrow().state())
                .isEqualTo(PaymentGatewaySimulator.State.AUTHORIZED);
    }

    @Test
    void voidPaymentWhileTheGatewayIsAuthorising_refusesTheAuthorisationAndVoidsItAtTheGateway() {
        gateway.beforeNextAnswer(() -> invoke("void-payment", step()));

        assertThat(failure("authorize-payment", authorize("tok_ok")).errorType()).isEqualTo(ALREADY_COMPENSATED);

        assertThat(gateway.authorization(gatewayKey()).orElseThrow().state()).isEqualTo(PaymentGatewaySimulator.State.VOIDED);
        assertThat(db.row("select status, void_pending from payments.authorizations where order_id = ?::uuid", orderId))
                .containsEntry("status", "VOIDED").containsEntry("void_pending", false);
    }

    // ---- ApproveOrder / RejectOrder ----

    @Test
    void approveOrderTwice_approvesOnceAndRejectAfterwardsIsRefused() {
        String id = pendingOrder();
        Map<String, Object> approve = Map.of("tenant", "demo", "orderId", id, "executionId", executionId,
                "pricing",
                Map.of("lines", List.of(Map.of("sku", sku, "quantity", 1, "unitPriceCents", 1_000)), "totalCents", 1_000));

        assertThat(invoke("approve-order", approve).get("status").asText()).isEqualTo("APPROVED");
        assertThat(invoke("approve-order", approve).get("status").asText()).isEqualTo("APPROVED");
        Map<String, Object> reject = Map.of("tenant", "demo", "orderId", id, "executionId", executionId,
                "rejection", Map.of("reason", "OUT_OF_STOCK"));
        assertThat(failure("reject-order", reject).errorType()).isEqualTo("io.sagaline.orders.VerdictConflict");
        assertThat(Api.demo().get("/orders/" + id).then().extract().<String> path("status")).isEqualTo("APPROVED");
    }

    @Test
    void rejectOrderTwice_keepsTheFirstReason() {
        String id = pendingOrder();
        Map<String, Object> reject = Map.of("tenant", "demo", "orderId", id, "executionId", executionId,
                "rejection", Map.of("reason", "OUT_OF_STOCK"));

        invoke("reject-order", reject);
        invoke("reject-order", reject);

        var order = Api.demo().get("/orders/" + id).then().extract().jsonPath();
        assertThat(order.getString("status")).isEqualTo("REJECTED");
        assertThat(order.getString("rejectionReason")).isEqualTo("OUT_OF_STOCK");
    }

    @Test
    void aVerdictFromAnExecutionThatIsNotTheOrdersOwn_isRefusedAndTheOrderStaysPending() {
        String id = pendingOrder();
        String stranger = "arn:aws:states:us-east-1:000000000000:execution:place-order:stranger-" + id;
        Map<String, Object> reject = Map.of("tenant", "demo", "orderId", id, "executionId", stranger,
                "rejection", Map.of("reason", "SYSTEM_ERROR"));
        Map<String, Object> approve = Map.of("tenant", "demo", "orderId", id, "executionId", stranger, "pricing",
                Map.of("lines", List.of(Map.of("sku", sku, "quantity", 1, "unitPriceCents", 1_000)), "totalCents", 1_000));

        assertThat(failure("reject-order", reject).errorType()).isEqualTo("io.sagaline.orders.UnknownOrder");
        assertThat(failure("approve-order", approve).errorType()).isEqualTo("io.sagaline.orders.UnknownOrder");
        assertThat(Api.demo().get("/orders/" + id).then().extract().<String> path("status")).isEqualTo("PENDING");
    }

    // ---- helpers ----

    private String pendingOrder() {
        String id = UUID.randomUUID().toString();
        db.placePendingOrder(id, customer, executionId, sku, 1);
        return id;
    }

    private Map<String, Object> step() {
        return Map.of("tenant", "demo", "orderId", orderId, "executionId", executionId);
    }

    private Map<String, Object> reserveStock(int quantity) {
        return Map.of("tenant", "demo", "orderId", orderId, "executionId", executionId,
                "items", List.of(Map.of("sku", sku, "quantity", quantity)));
    }

    private Map<String, Object> reserveCredit(long amountCents) {
        return Map.of("tenant", "demo", "orderId", orderId, "executionId", executionId, "customerId", customer,
                "amountCents", amountCents);
    }

    private Map<String, Object> authorize(String token) {
        return Map.of("tenant", "demo", "orderId", orderId, "executionId", executionId, "amountCents", 2_500,
                "paymentToken", token);
    }

    private String gatewayKey() {
        return "demo:" + orderId;
    }

    private JsonNode invoke(String function, Map<String, Object> task) {
        try {
            return json.readTree(functions.invoke(function, json.writeValueAsBytes(task)));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private FunctionFailure failure(String function, Map<String, Object> task) {
        try {
            byte[] output = functions.invoke(function, json.writeValueAsBytes(task));
            throw new AssertionError(function + " succeeded: " + new String(output, StandardCharsets.UTF_8));
        } catch (FunctionFailure e) {
            return e;
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

}
