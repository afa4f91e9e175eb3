package io.sagaline.local;

import static io.sagaline.support.Api.awaitDecided;
import static io.sagaline.support.Api.newCustomer;
import static io.sagaline.support.Api.newProduct;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.support.Api;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionAlreadyExistsException;
import software.amazon.awssdk.services.sfn.model.ExecutionDoesNotExistException;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.HistoryEvent;
import software.amazon.awssdk.services.sfn.model.HistoryEventType;
import software.amazon.awssdk.services.sfn.model.InvalidNameException;
import software.amazon.awssdk.services.sfn.model.StateMachineDoesNotExistException;
import software.amazon.awssdk.services.sfn.model.StateMachineTypeNotSupportedException;
import software.amazon.awssdk.services.sfn.model.SyncExecutionStatus;

/**
 * The AWS SDK v2 SfnClient, unchanged but for its endpoint, against the local Step Functions API:
 * the same client the place-order function uses.
 */
@QuarkusTest
class StepFunctionsApiTest {

    private static final String PLACE_ORDER = "arn:aws:states:us-east-1:000000000000:stateMachine:place-order";

    @Inject
    SfnClient sfn;

    @Test
    void anOrderPlacedOverHttp_isAnExecutionTheSdkCanDescribeAndWhoseHistoryExplainsEveryStep() {
        String orderId = Api.placeOrder(newCustomer(10_000), "tok_declined", newProduct(1_000, 5), 1);
        String executionArn = awaitDecided(orderId).getString("executionId");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> sfn.describeExecution(b -> b.executionArn(executionArn)).status() != ExecutionStatus.RUNNING);

        DescribeExecutionResponse described = sfn.describeExecution(b -> b.executionArn(executionArn));
        List<HistoryEvent> history = sfn.getExecutionHistory(b -> b.executionArn(executionArn)).events();

        assertThat(described.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(described.name()).isEqualTo(orderId);
        assertThat(described.stateMachineArn()).isEqualTo(PLACE_ORDER);
        assertThat(described.input()).contains(orderId).contains("tok_declined");
        assertThat(described.output()).contains("PAYMENT_DECLINED");
        assertThat(described.startDate()).isBeforeOrEqualTo(described.stopDate());
        assertThat(history.get(0).type()).isEqualTo(HistoryEventType.EXECUTION_STARTED);
        assertThat(history.get(history.size() - 1).type()).isEqualTo(HistoryEventType.EXECUTION_SUCCEEDED);
        assertThat(history).filteredOn(e -> e.type() == HistoryEventType.TASK_STATE_ENTERED)
                .extracting(e -> e.stateEnteredEventDetails().name())
                .containsExactly("CheckOrder", "ReserveStock", "ReserveCredit", "AuthorizePayment", "VoidPayment",
                        "ReleaseCredit",
                        "ReleaseStock", "RejectOrder");
        assertThat(history).filteredOn(e -> e.type() == HistoryEventType.LAMBDA_FUNCTION_FAILED).singleElement()
                .satisfies(e -> assertThat(e.lambdaFunctionFailedEventDetails().error())
                        .isEqualTo("io.sagaline.payments.PaymentDeclined"));
        assertThat(history).filteredOn(e -> e.type() == HistoryEventType.LAMBDA_FUNCTION_SCHEDULED)
                .allSatisfy(e -> assertThat(e.lambdaFunctionScheduledEventDetails().resource())
                        .startsWith("arn:aws:lambda:us-east-1:000000000000:function:"));
        assertThat(sfn.getExecutionHistory(b -> b.executionArn(executionArn).reverseOrder(true).maxResults(1)).events())
                .singleElement().satisfies(e -> assertThat(e.type()).isEqualTo(HistoryEventType.EXECUTION_SUCCEEDED));
    }

    @Test
    void startExecution_whileRunningIsIdempotentForTheSameNameAndInput_andRefusesAnotherInput() throws Exception {
        String machine = waitingMachine();
        String name = "started-" + UUID.randomUUID();

        String arn = sfn.startExecution(b -> b.stateMachineArn(machine).name(name).input("{\"a\":1}")).executionArn();
        String again = sfn.startExecution(b -> b.stateMachineArn(machine).name(name).input("{\"a\":1}")).executionArn();

        assertThat(arn).isEqualTo(machine.replace(":stateMachine:", ":execution:") + ":" + name).isEqualTo(again);
        assertThatThrownBy(() -> sfn.startExecution(b -> b.stateMachineArn(machine).name(name).input("{\"a\":2}")))
                .isInstanceOf(ExecutionAlreadyExistsException.class);
        assertThat(sfn.listExecutions(b -> b.stateMachineArn(machine).maxResults(1000)).executions())
                .filteredOn(e -> e.executionArn().equals(arn)).hasSize(1);
        sfn.stopExecution(b -> b.executionArn(arn));
        assertThatThrownBy(() -> sfn.startExecution(b -> b.stateMachineArn(machine).name(name).input("{\"a\":1}")))
                .as("a name is never reused once its execution has ended").isInstanceOf(ExecutionAlreadyExistsException.class);
    }

    private String waitingMachine() throws Exception {
        return engine.register("waits-a-minute", new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree("{\"StartAt\":\"W\",\"States\":{\"W\":{\"Type\":\"Wait\",\"Seconds\":60,\"End\":true}}}"));
    }

    @Inject
    LocalStepFunctions engine;
    @Inject
    io.agroal.api.AgroalDataSource dataSource;

    @Test
    void stopExecution_endsARunningExecutionAbortedWithItsErrorAndCause_once() throws Exception {
        String machine = waitingMachine();
        String arn = sfn.startExecution(b -> b.stateMachineArn(machine).name("stop-" + UUID.randomUUID()).input("{}"))
                .executionArn();

        sfn.stopExecution(b -> b.executionArn(arn).error("Operator.Stop").cause("changed our mind"));

        var described = sfn.describeExecution(b -> b.executionArn(arn));
        assertThat(described.status()).isEqualTo(ExecutionStatus.ABORTED);
        assertThat(described.error()).isEqualTo("Operator.Stop");
        assertThat(described.cause()).isEqualTo("changed our mind");
        List<HistoryEvent> history = sfn.getExecutionHistory(b -> b.executionArn(arn)).events();
        assertThat(history.get(history.size() - 1).type()).isEqualTo(HistoryEventType.EXECUTION_ABORTED);
        assertThat(history.get(history.size() - 1).executionAbortedEventDetails().cause()).isEqualTo("changed our mind");
        assertThatThrownBy(() -> sfn.stopExecution(b -> b.executionArn(arn)))
                .isInstanceOf(software.amazon.awssdk.services.sfn.model.SfnException.class)
                .hasMessageContaining("not RUNNING");
        assertThat(sfn.listExecutions(b -> b.stateMachineArn(machine).statusFilter(ExecutionStatus.ABORTED)).executions())
                .allSatisfy(e -> assertThat(e.status()).isEqualTo(ExecutionStatus.ABORTED))
                .extracting(e -> e.executionArn()).contains(arn);
    }

    @Test
    void aFailedExecutionRedriven_goesOnFromTheFailedStateWithItsInputAndEndsOnce() throws Exception {
        String machine = engine.register("approves-an-order", new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
                {"StartAt": "Note", "States": {
                  "Note": {"Type": "Pass", "Result": "noted", "ResultPath": "$.note", "Next": "Approve"},
                  "Approve": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:000000000000:function:approve-order",
                              "Parameters": {"tenant": "demo", "orderId.$": "$.orderId", "executionId.$": "$$.Execution.Id",
                                             "pricing.$": "$.pricing"},
                              "End": true}}}"""));
        String orderId = UUID.randomUUID().toString();
        // A real, priced line: the approval is announced, and the invoice consumer must be able to
        // issue its invoice (an order without lines would poison its queue for the tests after this one).
        String sku = newProduct(250, 10);
        String arn = sfn.startExecution(b -> b.stateMachineArn(machine).name("redrive-" + orderId)
                .input("{\"orderId\":\"" + orderId + "\",\"pricing\":{\"lines\":[{\"sku\":\"" + sku
                        + "\",\"quantity\":1,\"unitPriceCents\":250}],\"totalCents\":250}}"))
                .executionArn();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> sfn.describeExecution(b -> b.executionArn(arn)).status() == ExecutionStatus.FAILED);
        var failed = sfn.describeExecution(b -> b.executionArn(arn));
        assertThat(failed.error()).isEqualTo("java.lang.IllegalStateException");
        assertThat(failed.cause()).contains("does not exist");
        assertThat(failed.redriveStatusAsString()).isEqualTo("REDRIVABLE");

        // The cause is fixed: the order now exists.
        String customer = newCustomer(1_000);
        new io.sagaline.support.Db(dataSource).placePendingOrder(orderId, customer, arn, sku, 1);
        sfn.redriveExecution(b -> b.executionArn(arn));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> sfn.describeExecution(b -> b.executionArn(arn)).status() == ExecutionStatus.SUCCEEDED);

        var redriven = sfn.describeExecution(b -> b.executionArn(arn));
        assertThat(redriven.redriveCount()).isEqualTo(1);
        assertThat(redriven.redriveDate()).isNotNull();
        assertThat(redriven.output()).contains("APPROVED");
        assertThat(Api.demo().get("/orders/" + orderId).then().extract().<String> path("status")).isEqualTo("APPROVED");
        List<HistoryEvent> history = sfn.getExecutionHistory(b -> b.executionArn(arn).maxResults(1000)).events();
        assertThat(history).extracting(HistoryEvent::type).containsSubsequence(HistoryEventType.EXECUTION_FAILED,
                HistoryEventType.EXECUTION_REDRIVEN, HistoryEventType.LAMBDA_FUNCTION_SCHEDULED,
                HistoryEventType.EXECUTION_SUCCEEDED);
        assertThat(history).filteredOn(e -> e.type() == HistoryEventType.PASS_STATE_ENTERED)
                .as("the redrive starts at the failed state, not over").hasSize(1);
        assertThatThrownBy(() -> sfn.redriveExecution(b -> b.executionArn(arn)))
                .isInstanceOf(software.amazon.awssdk.services.sfn.model.ExecutionNotRedrivableException.class);
    }

    @Inject
    io.sagaline.payments.FaultyPaymentGateway gateway;

    @Test
    void stoppingWhileATaskRunsAndRedrivingAtOnce_runsEveryLaterStepOnce() throws Exception {
        String machine = engine.register("authorize-then-void", new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
                {"StartAt": "A", "States": {
                  "A": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:000000000000:function:authorize-payment",
                        "Parameters": {"tenant": "demo", "orderId.$": "$.orderId", "executionId.$": "$$.Execution.Id",
                                       "amountCents": 100, "paymentToken": "tok_ok"}, "ResultPath": null, "Next": "B"},
                  "B": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:000000000000:function:void-payment",
                        "Parameters": {"tenant": "demo", "orderId.$": "$.orderId", "executionId.$": "$$.Execution.Id"},
                        "End": true}}}"""));
        String orderId = UUID.randomUUID().toString();
        java.util.concurrent.CountDownLatch inGateway = new java.util.concurrent.CountDownLatch(1);
        gateway.beforeNextAnswer(() -> {
            inGateway.countDown();
            try {
                Thread.sleep(1_500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        String arn = sfn.startExecution(b -> b.stateMachineArn(machine).name("race-" + orderId)
                .input("{\"orderId\":\"" + orderId + "\"}")).executionArn();
        assertThat(inGateway.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        sfn.stopExecution(b -> b.executionArn(arn));
        sfn.redriveExecution(b -> b.executionArn(arn));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> sfn.describeExecution(b -> b.executionArn(arn)).status() == ExecutionStatus.SUCCEEDED);
        Thread.sleep(2_000); // the stopped run's task comes back now: it must change nothing

        List<HistoryEvent> history = sfn.getExecutionHistory(b -> b.executionArn(arn).maxResults(1000)).events();
        assertThat(history).filteredOn(e -> e.type() == HistoryEventType.LAMBDA_FUNCTION_SCHEDULED)
                .extracting(e -> e.lambdaFunctionScheduledEventDetails().resource().replaceAll(".*:", ""))
                .containsExactly("authorize-payment", "authorize-payment", "void-payment");
        assertThat(history).extracting(HistoryEvent::id)
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, history.size()).boxed().toList());
        assertThat(sfn.describeExecution(b -> b.executionArn(arn)).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    }

    @Test
    void theSdkGetsAwsErrorsByName() {
        assertThatThrownBy(() -> sfn.startExecution(b -> b.stateMachineArn(PLACE_ORDER + "-nope").name("x").input("{}")))
                .isInstanceOf(StateMachineDoesNotExistException.class);
        assertThatThrownBy(() -> sfn.startExecution(b -> b.stateMachineArn(PLACE_ORDER).name("no spaces allowed").input("{}")))
                .isInstanceOf(InvalidNameException.class);
        assertThatThrownBy(() -> sfn.describeExecution(
                b -> b.executionArn("arn:aws:states:us-east-1:000000000000:execution:place-order:missing")))
                .isInstanceOf(ExecutionDoesNotExistException.class);
        assertThatThrownBy(() -> sfn.describeExecution(b -> b.executionArn(PLACE_ORDER + ":missing")))
                .as("a state machine's ARN where an execution's belongs").isInstanceOf(
                        software.amazon.awssdk.services.sfn.model.InvalidArnException.class);
    }

    @Test
    void theStateMachinesOfTheCatalog_areListedAndDescribedWithTheirDefinition() {
        assertThat(sfn.listStateMachines().stateMachines()).extracting(m -> m.name()).contains("place-order");
        var described = sfn.describeStateMachine(b -> b.stateMachineArn(PLACE_ORDER));
        // the text Terraform's templatefile() would give AWS, as given: AWS answers a definition as it was sent
        assertThat(described.definition()).contains("\"StartAt\": \"CheckOrder\"")
                .contains("arn:aws:lambda:us-east-1:000000000000:function:reserve-stock");
        assertThat(described.statusAsString()).isEqualTo("ACTIVE");
    }

    @Test
    void startSyncExecution_answersWithTheWholeExecutionOfAnExpressMachine_outputOrError() throws Exception {
        String machine = engine.register("express-doubles", new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                """
                        {"StartAt": "Check", "States": {
                          "Check": {"Type": "Choice", "Choices": [{"Variable": "$.values", "IsPresent": false, "Next": "Missing"}],
                                    "Default": "Each"},
                          "Missing": {"Type": "Fail", "Error": "Doubles.NoValues", "Cause": "values is required"},
                          "Each": {"Type": "Map", "ItemsPath": "$.values",
                                   "ItemProcessor": {"StartAt": "Double", "States": {"Double": {"Type": "Pass",
                                     "Parameters": {"v.$": "States.MathAdd($, $)"}, "OutputPath": "$.v", "End": true}}},
                                   "ResultPath": "$.doubled", "Next": "Count"},
                          "Count": {"Type": "Pass", "Parameters": {"count.$": "States.ArrayLength($.doubled)", "first.$": "$.doubled[0]"}, "End": true}}}"""),
                "EXPRESS");

        var succeeded = sfn.startSyncExecution(b -> b.stateMachineArn(machine).name("sync-ok").input("{\"values\":[1,2,3]}"));
        var failed = sfn.startSyncExecution(b -> b.stateMachineArn(machine).input("{}"));

        assertThat(succeeded.status()).isEqualTo(SyncExecutionStatus.SUCCEEDED);
        assertThat(succeeded.output()).isEqualTo("{\"count\":3,\"first\":2}");
        assertThat(succeeded.name()).isEqualTo("sync-ok");
        assertThat(succeeded.executionArn())
                .startsWith("arn:aws:states:us-east-1:000000000000:express:express-doubles:sync-ok:");
        assertThat(succeeded.stopDate()).isAfterOrEqualTo(succeeded.startDate());
        assertThat(succeeded.billingDetails().billedDurationInMilliseconds()).isPositive();
        assertThat(failed.status()).isEqualTo(SyncExecutionStatus.FAILED);
        assertThat(failed.error()).isEqualTo("Doubles.NoValues");
        assertThat(failed.cause()).isEqualTo("values is required");
        assertThat(failed.output()).isNull();
        assertThat(sfn.describeStateMachine(b -> b.stateMachineArn(machine)).typeAsString()).isEqualTo("EXPRESS");
        assertThatThrownBy(() -> sfn.describeExecution(b -> b.executionArn(succeeded.executionArn())))
                .as("an EXPRESS execution is not kept").isInstanceOf(ExecutionDoesNotExistException.class);
    }

    @Test
    void startSyncExecution_ofAStandardMachine_isRefusedAsAwsRefusesIt() {
        assertThatThrownBy(() -> sfn.startSyncExecution(b -> b.stateMachineArn(PLACE_ORDER).input("{}")))
                .isInstanceOf(StateMachineTypeNotSupportedException.class);
        assertThat(sfn.describeStateMachine(b -> b.stateMachineArn(PLACE_ORDER)).typeAsString()).isEqualTo("STANDARD");
    }

    @Test
    void listExecutions_pagesByWhereThePreviousPageEnded_soExecutionsStartedMeanwhileShiftNothing() throws Exception {
        String machine = engine.register("paged-" + UUID.randomUUID().toString().substring(0, 8),
                new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree("{\"StartAt\":\"W\",\"States\":{\"W\":{\"Type\":\"Wait\",\"Seconds\":60,\"End\":true}}}"));
        List<String> started = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String name = "p" + i;
            started.add(sfn.startExecution(b -> b.stateMachineArn(machine).name(name)).executionArn());
            Thread.sleep(5);
        }

        List<String> newestFirst = new java.util.ArrayList<>(started);
        java.util.Collections.reverse(newestFirst);
        List<String> seen = new java.util.ArrayList<>();
        var page = sfn.listExecutions(b -> b.stateMachineArn(machine).maxResults(2));
        page.executions().forEach(e -> seen.add(e.executionArn()));
        String extra = sfn.startExecution(b -> b.stateMachineArn(machine).name("late")).executionArn();
        while (page.nextToken() != null) {
            String token = page.nextToken();
            page = sfn.listExecutions(b -> b.stateMachineArn(machine).maxResults(2).nextToken(token));
            page.executions().forEach(e -> seen.add(e.executionArn()));
        }

        assertThat(seen).as("newest first, each once, the late one not pushing any onto the next page twice")
                .containsExactlyElementsOf(newestFirst);
        assertThat(sfn.listExecutions(b -> b.stateMachineArn(machine)).executions().get(0).executionArn()).isEqualTo(extra);
        assertThatThrownBy(() -> sfn.listExecutions(b -> b.stateMachineArn(machine).nextToken("bm90LWEtdG9rZW4")))
                .isInstanceOf(software.amazon.awssdk.services.sfn.model.InvalidTokenException.class);
        started.add(extra);
        started.forEach(arn -> sfn.stopExecution(b -> b.executionArn(arn)));
    }
}
