package io.sagaline.asl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.asl.testing.ScriptedTasks;
import io.sagaline.asl.testing.VirtualTime;

/**
 * The real {@code place-order.asl.json} with scripted task answers and a virtual clock: which
 * errors are retried, which compensate, in what order, and with which rejection reason.
 */
class PlaceOrderDefinitionTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FN = "arn:aws:lambda:us-east-1:000000000000:function:";

    @Test
    void aTechnicalFailureOfAuthorizePayment_isRetriedThenRejectsAsPaymentUnavailableAndCompensates() throws IOException {
        ObjectNode script = checked();
        ok(script, "reserve-stock", stock());
        ok(script, "reserve-credit", JSON.createObjectNode().put("amountCents", 2400));
        for (int i = 0; i < 6; i++) {
            fail(script, "authorize-payment", "java.lang.IllegalStateException", "connection reset");
        }
        ok(script, "void-payment", JSON.createObjectNode());
        ok(script, "release-credit", JSON.createObjectNode());
        ok(script, "release-stock", JSON.createObjectNode());
        ok(script, "reject-order", JSON.createObjectNode().put("status", "REJECTED"));

        Run run = run(script);

        assertThat(run.execution.status()).isEqualTo(Execution.Status.SUCCEEDED);
        assertThat(run.states()).containsExactly("CheckOrder", "ReserveStock", "ReserveCredit", "AuthorizePayment",
                "RejectedPaymentUnavailable", "VoidPayment", "ReleaseCredit", "ReleaseStock", "RejectOrder");
        assertThat(run.retryDelays()).as("five retries, then caught").hasSize(5);
        assertThat(run.execution.output().at("/rejection/reason").asText()).isEqualTo("PAYMENT_UNAVAILABLE");
        assertThat(run.execution.output().at("/rejection/pricing/totalCents").asLong()).isEqualTo(2400);
    }

    @Test
    void aBusinessErrorIsNeverRetried_andCompensatesFromTheFailedStepBackwards() throws IOException {
        ObjectNode script = checked();
        ok(script, "reserve-stock", stock());
        fail(script, "reserve-credit", "io.sagaline.customers.CreditLimitExceeded", "{\"errorMessage\":\"no credit\"}");
        ok(script, "release-credit", JSON.createObjectNode());
        ok(script, "release-stock", JSON.createObjectNode());
        ok(script, "reject-order", JSON.createObjectNode().put("status", "REJECTED"));

        Run run = run(script);

        assertThat(run.retryDelays()).isEmpty();
        assertThat(run.states()).containsExactly("CheckOrder", "ReserveStock", "ReserveCredit", "RejectedCreditLimitExceeded",
                "ReleaseCredit", "ReleaseStock", "RejectOrder");
        assertThat(run.execution.output().at("/rejection/reason").asText()).isEqualTo("CREDIT_LIMIT_EXCEEDED");
        assertThat(run.execution.output().at("/rejection/error").asText())
                .isEqualTo("io.sagaline.customers.CreditLimitExceeded");
    }

    @Test
    void aTransientFailureOfReserveStock_isRetriedAndTheSagaGoesOn() throws IOException {
        ObjectNode script = checked();
        fail(script, "reserve-stock", "Sandbox.Timedout", "Task timed out after 15.00 seconds");
        ok(script, "reserve-stock", stock());
        ok(script, "reserve-credit", JSON.createObjectNode().put("amountCents", 2400));
        ok(script, "authorize-payment", JSON.createObjectNode().put("authorizationId", "auth_1").put("amountCents", 2400));
        ok(script, "approve-order", JSON.createObjectNode().put("status", "APPROVED"));

        Run run = run(script);

        assertThat(run.execution.status()).isEqualTo(Execution.Status.SUCCEEDED);
        assertThat(run.retryDelays()).hasSize(1);
        assertThat(run.execution.output().at("/verdict/status").asText()).isEqualTo("APPROVED");
        assertThat(run.execution.output().get("payment")).isEqualTo(
                JSON.createObjectNode().put("authorizationId", "auth_1").put("amountCents", 2400));
    }

    @Test
    void aTechnicalFailureOfReserveCreditThatOutlastsItsRetries_rejectsAsSystemErrorAndGivesEverythingBack()
            throws IOException {
        ObjectNode script = checked();
        ok(script, "reserve-stock", stock());
        for (int i = 0; i < 6; i++) {
            fail(script, "reserve-credit", "io.vertx.pgclient.PgException", "the database is gone");
        }
        ok(script, "release-credit", JSON.createObjectNode());
        ok(script, "release-stock", JSON.createObjectNode());
        ok(script, "reject-order", JSON.createObjectNode().put("status", "REJECTED"));

        Run run = run(script);

        assertThat(run.execution.status()).isEqualTo(Execution.Status.SUCCEEDED);
        assertThat(run.retryDelays()).as("five retries, then caught").hasSize(5);
        assertThat(run.states()).containsExactly("CheckOrder", "ReserveStock", "ReserveCredit",
                "RejectedSystemErrorReservingCredit", "ReleaseCredit", "ReleaseStock", "RejectOrder");
        assertThat(run.execution.output().at("/rejection/reason").asText()).isEqualTo("SYSTEM_ERROR");
        assertThat(run.execution.output().at("/rejection/error").asText()).isEqualTo("io.vertx.pgclient.PgException");
        assertThat(run.execution.output().at("/rejection/pricing/totalCents").asLong()).isEqualTo(2400);
    }

    @Test
    void aTechnicalFailureOfReserveStockThatOutlastsItsRetries_releasesWhatItMayHaveReservedAndRejects() throws IOException {
        ObjectNode script = checked();
        for (int i = 0; i < 6; i++) {
            fail(script, "reserve-stock", "Sandbox.Timedout", "Task timed out after 15.00 seconds");
        }
        ok(script, "release-stock", JSON.createObjectNode());
        ok(script, "reject-order", JSON.createObjectNode().put("status", "REJECTED"));

        Run run = run(script);

        assertThat(run.execution.status()).isEqualTo(Execution.Status.SUCCEEDED);
        assertThat(run.states()).containsExactly("CheckOrder", "ReserveStock", "RejectedSystemErrorReservingStock",
                "ReleaseStock", "RejectOrder");
        assertThat(run.execution.output().at("/rejection/reason").asText()).isEqualTo("SYSTEM_ERROR");
    }

    @Test
    void anApprovalThatKeepsFailing_rejectsTheOrderFirstThenGivesEverythingBack() throws IOException {
        ObjectNode script = checked();
        ok(script, "reserve-stock", stock());
        ok(script, "reserve-credit", JSON.createObjectNode().put("amountCents", 2400));
        ok(script, "authorize-payment", JSON.createObjectNode().put("authorizationId", "auth_1").put("amountCents", 2400));
        for (int i = 0; i < 6; i++) {
            fail(script, "approve-order", "java.lang.IllegalStateException", "connection reset");
        }
        ok(script, "reject-order", JSON.createObjectNode().put("status", "REJECTED"));
        ok(script, "void-payment", JSON.createObjectNode());
        ok(script, "release-credit", JSON.createObjectNode());
        ok(script, "release-stock", JSON.createObjectNode());
        ok(script, "reject-order", JSON.createObjectNode().put("status", "REJECTED"));

        Run run = run(script);

        assertThat(run.execution.status()).isEqualTo(Execution.Status.SUCCEEDED);
        assertThat(run.states()).containsExactly("CheckOrder", "ReserveStock", "ReserveCredit", "AuthorizePayment",
                "ApproveOrder", "RejectedSystemErrorApproving", "RejectUnapprovedOrder", "VoidPayment", "ReleaseCredit",
                "ReleaseStock", "RejectOrder");
        assertThat(run.execution.output().at("/rejection/reason").asText()).isEqualTo("SYSTEM_ERROR");
    }

    @Test
    void anApprovalThatCommittedAfterAll_endsApprovedAndGivesNothingBack() throws IOException {
        ObjectNode script = checked();
        ok(script, "reserve-stock", stock());
        ok(script, "reserve-credit", JSON.createObjectNode().put("amountCents", 2400));
        ok(script, "authorize-payment", JSON.createObjectNode().put("authorizationId", "auth_1").put("amountCents", 2400));
        for (int i = 0; i < 6; i++) {
            fail(script, "approve-order", "Sandbox.Timedout", "Task timed out after 15.00 seconds");
        }
        fail(script, "reject-order", "io.sagaline.orders.VerdictConflict", "order o-1 is APPROVED; it cannot become REJECTED");

        Run run = run(script);

        assertThat(run.execution.status()).isEqualTo(Execution.Status.SUCCEEDED);
        assertThat(run.states()).containsExactly("CheckOrder", "ReserveStock", "ReserveCredit", "AuthorizePayment",
                "ApproveOrder", "RejectedSystemErrorApproving", "RejectUnapprovedOrder", "ApprovedAfterAll");
    }

    @Test
    void anExecutionThatIsNotItsOrdersOwn_failsAtTheCheckBeforeAnythingIsReserved() throws IOException {
        ObjectNode script = JSON.createObjectNode();
        fail(script, "check-order", "io.sagaline.orders.UnknownOrder", "order o-1 of tenant demo does not exist");

        Run run = run(script);

        assertThat(run.execution.status()).isEqualTo(Execution.Status.FAILED);
        assertThat(run.execution.error()).isEqualTo("io.sagaline.orders.UnknownOrder");
        assertThat(run.execution.cause()).isEqualTo("order o-1 of tenant demo does not exist");
        assertThat(run.states()).containsExactly("CheckOrder", "NotThisOrdersExecution");
    }

    @Test
    void aCompensationThatOutlastsItsRetries_failsTheExecutionWhereARedriveResumesIt() throws IOException {
        ObjectNode script = checked();
        fail(script, "reserve-stock", "io.sagaline.inventory.OutOfStock", "{\"errorMessage\":\"no mugs\"}");
        for (int i = 0; i < 9; i++) {
            fail(script, "release-stock", "io.vertx.pgclient.PgException", "the database is gone");
        }

        Run run = run(script);

        assertThat(run.execution.status()).isEqualTo(Execution.Status.FAILED);
        assertThat(run.execution.error()).isEqualTo("io.vertx.pgclient.PgException");
        assertThat(run.states()).endsWith("ReleaseStock");
    }

    record Run(Execution execution, VirtualTime time) {
        /** The retry waits: the first delay scheduled is the machine's own TimeoutSeconds. */
        List<Long> retryDelays() {
            List<Long> delays = time.delays().stream().map(Duration::toMillis).toList();
            assertThat(delays.get(0)).as("TimeoutSeconds of the machine").isEqualTo(3_600_000L);
            return delays.subList(1, delays.size());
        }

        List<String> states() {
            return execution.history().stream().filter(e -> e.type().endsWith("StateEntered"))
                    .map(e -> e.details().get("name").asText()).toList();
        }
    }

    private static Run run(ObjectNode script) throws IOException {
        String text = Files.readString(Paths.get("functions/state-machines/place-order.asl.json"))
                .replaceAll("\\$\\{([a-z_]+)_arn}", FN + "$1");
        text = text.replaceAll("(" + FN + "[a-z]+)_([a-z]+)", "$1-$2");
        StateMachine machine = StateMachine.parse("place-order", JSON.readTree(text));
        VirtualTime time = new VirtualTime(Instant.parse("2026-11-22T00:00:00Z"));
        ScriptedTasks tasks = new ScriptedTasks(script);
        JsonNode input = JSON.readTree(
                """
                        {"tenant":"demo","orderId":"o-1","customerId":"c-1","items":[{"sku":"MUG-1","quantity":2}],"paymentToken":"tok_ok"}""");
        Execution execution = new Interpreter(tasks, time, time.clock()).start(
                "arn:aws:states:us-east-1:000000000000:execution:place-order:o-1", "o-1",
                "arn:aws:states:us-east-1:000000000000:stateMachine:place-order", machine, input);
        time.runUntilIdle();
        tasks.assertAllUsed();
        return new Run(execution, time);
    }

    /** A script whose CheckOrder finds the execution to be its order's own. */
    private static ObjectNode checked() {
        ObjectNode script = JSON.createObjectNode();
        ok(script, "check-order", JSON.createObjectNode().put("status", "PENDING"));
        return script;
    }

    private static JsonNode stock() throws IOException {
        return JSON.readTree(
                "{\"orderId\":\"o-1\",\"lines\":[{\"sku\":\"MUG-1\",\"quantity\":2,\"unitPriceCents\":1200}],\"totalCents\":2400}");
    }

    private static void ok(ObjectNode script, String function, JsonNode result) {
        script.withArray(FN + function).addObject().set("result", result);
    }

    private static void fail(ObjectNode script, String function, String error, String cause) {
        script.withArray(FN + function).addObject().put("error", error).put("cause", cause);
    }
}
