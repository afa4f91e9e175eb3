package io.sagaline.orders;

import static io.sagaline.support.Api.available;
import static io.sagaline.support.Api.availableCredit;
import static io.sagaline.support.Api.awaitDecided;
import static io.sagaline.support.Api.demo;
import static io.sagaline.support.Api.newCustomer;
import static io.sagaline.support.Api.newProduct;
import static io.sagaline.support.Api.placeOrder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.sagaline.payments.FaultyPaymentGateway;
import io.sagaline.payments.PaymentGatewayClient;
import io.sagaline.payments.PaymentGatewaySimulator;
import io.sagaline.support.Api;
import io.sagaline.support.Db;
import io.sagaline.support.Invariants;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;

/**
 * {@code POST /orders/{id}/cancel} and the CancelOrder saga: stock, credit and payment come back
 * exactly once, however often and however concurrently the cancel is sent; only an APPROVED order
 * can be cancelled; a refund the gateway does not take withdraws the cancellation and leaves the
 * order whole, and a later cancel goes through.
 */
@QuarkusTest
class CancelOrderTest {

    @Inject
    AgroalDataSource dataSource;
    @Inject
    FaultyPaymentGateway gateway;
    @Inject
    CircuitBreakerMaintenance circuits;
    @Inject
    io.sagaline.local.LocalFunctions functions;
    @Inject
    com.fasterxml.jackson.databind.ObjectMapper json;

    @Test
    void cancellingAnApprovedOrder_returnsStockCreditAndPaymentExactly_andAnnouncesIt() {
        Db db = new Db(dataSource);
        String customer = newCustomer(50_000);
        String sku = newProduct(1_000, 10);
        String order = placeOrder(customer, "tok_ok", sku, 3);
        assertThat(awaitDecided(order).getString("status")).isEqualTo("APPROVED");
        assertThat(available(sku)).isEqualTo(7);
        assertThat(availableCredit(customer)).isEqualTo(47_000);

        Response accepted = demo().post("/orders/" + order + "/cancel");
        accepted.then().statusCode(202).header("location", "/orders/" + order);
        assertThat(accepted.jsonPath().getString("cancellationExecutionId"))
                .isEqualTo("arn:aws:states:us-east-1:000000000000:execution:cancel-order:" + order + "-1");

        awaitStatus(order, "CANCELLED");
        assertThat(available(sku)).as("the stock is back, once").isEqualTo(10);
        assertThat(availableCredit(customer)).as("the credit is back, once").isEqualTo(50_000);
        assertThat(db.row("select status, void_pending from payments.authorizations where order_id = ?::uuid", order))
                .containsEntry("status", "VOIDED").containsEntry("void_pending", false);
        assertThat(gateway.authorization("demo:" + order).orElseThrow().state())
                .isEqualTo(PaymentGatewaySimulator.State.VOIDED);
        Invariants.rejectedOrderHoldsNothing(db, order);
        assertThat(events(order)).containsExactly("OrderPlaced", "OrderApproved", "CancellationRequested", "OrderCancelled");
        await().atMost(Duration.ofSeconds(30)).until(() -> db.rows(
                "select 1 from notifications.notifications where order_id = ?::uuid and kind = 'ORDER_CANCELLED'", order)
                .size() == 1);

        demo().post("/orders/" + order + "/cancel").then().statusCode(409);
    }

    @Test
    void cancellingTwice_evenConcurrently_isOneCancel() throws Exception {
        String customer = newCustomer(50_000);
        String sku = newProduct(1_000, 10);
        String order = placeOrder(customer, "tok_ok", sku, 4);
        assertThat(awaitDecided(order).getString("status")).isEqualTo("APPROVED");

        ExecutorService callers = Executors.newFixedThreadPool(8);
        List<Future<Response>> answers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            answers.add(callers.submit(() -> demo().post("/orders/" + order + "/cancel")));
        }
        List<String> executions = new ArrayList<>();
        for (Future<Response> answer : answers) {
            Response r = answer.get();
            assertThat(r.statusCode()).as(r.asString()).isIn(202, 409);
            if (r.statusCode() == 202) {
                executions.add(r.jsonPath().getString("cancellationExecutionId"));
            }
        }
        callers.shutdown();
        assertThat(executions).as("every accepted cancel is the same cancellation").isNotEmpty().containsOnly(
                "arn:aws:states:us-east-1:000000000000:execution:cancel-order:" + order + "-1");

        awaitStatus(order, "CANCELLED");
        assertThat(available(sku)).isEqualTo(10);
        assertThat(availableCredit(customer)).isEqualTo(50_000);
        assertThat(events(order)).containsExactly("OrderPlaced", "OrderApproved", "CancellationRequested", "OrderCancelled");
        demo().post("/orders/" + order + "/cancel").then().statusCode(409);
    }

    @Test
    void onlyAnApprovedOrderCanBeCancelled_andOnlyByItsTenant() {
        String customer = newCustomer(50_000);
        String rejected = placeOrder(customer, "tok_declined", newProduct(1_000, 10), 1);
        assertThat(awaitDecided(rejected).getString("status")).isEqualTo("REJECTED");
        demo().post("/orders/" + rejected + "/cancel").then().statusCode(409)
                .contentType("application/problem+json");
        assertThat(events(rejected)).containsExactly("OrderPlaced", "OrderRejected");

        String approved = placeOrder(customer, "tok_ok", newProduct(1_000, 10), 1);
        awaitDecided(approved);
        Api.as(Api.OTHER_KEY).post("/orders/" + approved + "/cancel").then().statusCode(404);
        demo().post("/orders/" + UUID.randomUUID() + "/cancel").then().statusCode(404);
        demo().post("/orders/not-an-id/cancel").then().statusCode(404);
        assertThat(events(approved)).containsExactly("OrderPlaced", "OrderApproved");
    }

    @Test
    void aRefundTheGatewayDoesNotTake_withdrawsTheCancellation_leavesTheOrderWhole_andALaterCancelGoesThrough()
            throws Exception {
        Db db = new Db(dataSource);
        String customer = newCustomer(50_000);
        String sku = newProduct(1_000, 10);
        String order = placeOrder(customer, "tok_ok", sku, 2);
        assertThat(awaitDecided(order).getString("status")).isEqualTo("APPROVED");
        gateway.voidsUnavailable("demo:" + order, true);
        try {
            demo().post("/orders/" + order + "/cancel").then().statusCode(202);
            await().atMost(Duration.ofSeconds(60)).until(() -> events(order).contains("CancellationWithdrawn"));
        } finally {
            gateway.voidsUnavailable("demo:" + order, false);
            circuits.reset(PaymentGatewayClient.VOID_CIRCUIT);
        }
        String first = "arn:aws:states:us-east-1:000000000000:execution:cancel-order:" + order + "-1";
        await().atMost(Duration.ofSeconds(30))
                .until(() -> "FAILED"
                        .equals(db.row("select status from engine.executions where arn = ?", first).get("status")));
        assertThat(db.row("select error from engine.executions where arn = ?", first).get("error"))
                .isEqualTo("CancellationFailed");
        assertThat(awaitDecided(order).getString("status")).as("nothing was given back").isEqualTo("APPROVED");
        byte[] again = json.writeValueAsBytes(java.util.Map.of("tenant", "demo", "orderId", order, "executionId", first,
                "failure", java.util.Map.of("Error", "io.sagaline.payments.RefundNotTaken")));
        assertThat(json.readTree(functions.invoke("withdraw-cancellation", again)).get("status").asText())
                .as("withdrawing again").isEqualTo("APPROVED");
        assertThat(events(order).stream().filter("CancellationWithdrawn"::equals).count()).isEqualTo(1);
        assertThat(available(sku)).isEqualTo(8);
        assertThat(availableCredit(customer)).isEqualTo(48_000);
        assertThat(db.row("select status from payments.authorizations where order_id = ?::uuid", order).get("status"))
                .isEqualTo("AUTHORIZED");
        assertThat(gateway.authorization("demo:" + order).orElseThrow().state())
                .isEqualTo(PaymentGatewaySimulator.State.AUTHORIZED);

        demo().post("/orders/" + order + "/cancel").then().statusCode(202).body("cancellationExecutionId",
                org.hamcrest.Matchers.endsWith(order + "-2"));
        awaitStatus(order, "CANCELLED");
        assertThat(available(sku)).isEqualTo(10);
        assertThat(availableCredit(customer)).isEqualTo(50_000);
        assertThat(events(order)).containsExactly("OrderPlaced", "OrderApproved", "CancellationRequested",
                "CancellationWithdrawn", "CancellationRequested", "OrderCancelled");
    }

    @Test
    void aRefundWhoseAnswerWasLost_isAskedAfter_andTheCancellationGoesThrough() {
        String customer = newCustomer(50_000);
        String sku = newProduct(1_000, 10);
        String order = placeOrder(customer, "tok_ok", sku, 1);
        assertThat(awaitDecided(order).getString("status")).isEqualTo("APPROVED");
        gateway.voidAnswersLost("demo:" + order, true);
        try {
            demo().post("/orders/" + order + "/cancel").then().statusCode(202);
            awaitStatus(order, "CANCELLED");
        } finally {
            gateway.voidAnswersLost("demo:" + order, false);
            circuits.reset(PaymentGatewayClient.VOID_CIRCUIT);
        }
        assertThat(events(order)).as("never withdrawn: the gateway said the authorisation was voided")
                .containsExactly("OrderPlaced", "OrderApproved", "CancellationRequested", "OrderCancelled");
        assertThat(available(sku)).isEqualTo(10);
        assertThat(availableCredit(customer)).isEqualTo(50_000);
        assertThat(new Db(dataSource).row("select status from payments.authorizations where order_id = ?::uuid", order)
                .get("status")).isEqualTo("VOIDED");
    }

    @Test
    void everyStepOfCancelOrder_runAgain_changesNothing() throws Exception {
        Db db = new Db(dataSource);
        String customer = newCustomer(50_000);
        String sku = newProduct(1_000, 10);
        String order = placeOrder(customer, "tok_ok", sku, 2);
        assertThat(awaitDecided(order).getString("status")).isEqualTo("APPROVED");
        demo().post("/orders/" + order + "/cancel").then().statusCode(202);
        awaitStatus(order, "CANCELLED");
        String execution = "arn:aws:states:us-east-1:000000000000:execution:cancel-order:" + order + "-1";
        byte[] task = json.writeValueAsBytes(java.util.Map.of("tenant", "demo", "orderId", order, "executionId", execution));

        // Step Functions and Lambda deliver at least once: each step delivered again is a no-op.
        assertThat(json.readTree(functions.invoke("refund-payment", task)).get("refunded").asBoolean()).isFalse();
        assertThat(json.readTree(functions.invoke("release-credit", task)).get("released").asBoolean()).isFalse();
        assertThat(json.readTree(functions.invoke("release-stock", task)).get("released").asBoolean()).isFalse();
        assertThat(json.readTree(functions.invoke("complete-cancellation", task)).get("status").asText())
                .isEqualTo("CANCELLED");
        // The compensation, late, after the saga went forward: nothing to withdraw.
        assertThat(json.readTree(functions.invoke("withdraw-cancellation", task)).get("status").asText())
                .isEqualTo("CANCELLED");

        assertThat(available(sku)).isEqualTo(10);
        assertThat(availableCredit(customer)).isEqualTo(50_000);
        assertThat(db.row("select status from payments.authorizations where order_id = ?::uuid", order).get("status"))
                .isEqualTo("VOIDED");
        assertThat(events(order)).containsExactly("OrderPlaced", "OrderApproved", "CancellationRequested", "OrderCancelled");
    }

    private static void awaitStatus(String order, String status) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> status.equals(Api.status(order)));
    }

    static List<String> events(String order) {
        return demo().get("/orders/" + order + "/events").then().statusCode(200).extract().jsonPath().getList("events.type");
    }
}
