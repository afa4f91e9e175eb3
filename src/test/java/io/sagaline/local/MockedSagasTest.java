package io.sagaline.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.support.LocalAws;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.HistoryEvent;
import software.amazon.awssdk.services.sfn.model.ValidationException;

/**
 * Mock files in AWS Step Functions Local's format, as the test profile loads them
 * ({@code sagaline.local.sfn.mock-config}): the example of the AWS documentation, unchanged
 * ({@code sfn-mocks/aws-docs-example.json}), and every business path of PlaceOrder and CancelOrder
 * ({@code sfn-mocks/sagaline-sagas.json}), each test case started as {@code <stateMachineArn>#<TestCase>}.
 * The mocks answer every task, so no function runs: the order ids are random and no order exists
 * (a real CheckOrder would refuse them). A path that first spends five retries with their back-offs
 * (a system error at CheckOrder) is not here: it waits real seconds until time can be controlled.
 */
@QuarkusTest
class MockedSagasTest {

    private static final SfnClient SFN = LocalAws.sfn("local", "local");
    private static final String MACHINE = "arn:aws:states:us-east-1:000000000000:stateMachine:";

    @AfterAll
    static void close() {
        SFN.close();
    }

    private static DescribeExecutionResponse run(String machine, String testCase, String input) {
        String execution = SFN.startExecution(r -> r.stateMachineArn(MACHINE + machine + "#" + testCase)
                .name(testCase + "-" + UUID.randomUUID()).input(input)).executionArn();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> SFN.describeExecution(r -> r.executionArn(execution)).status() != ExecutionStatus.RUNNING);
        return SFN.describeExecution(r -> r.executionArn(execution));
    }

    /** The states the execution entered, in order. */
    private static List<String> entered(String executionArn) {
        return SFN.getExecutionHistory(r -> r.executionArn(executionArn).maxResults(1000)).events().stream()
                .filter(e -> e.typeAsString().endsWith("StateEntered")).map(HistoryEvent::stateEnteredEventDetails)
                .map(d -> d.name()).toList();
    }

    static Stream<Arguments> placeOrderPaths() {
        List<String> compensateStock = List.of("ReleaseStock", "RejectOrder");
        List<String> compensateCredit = List.of("ReleaseCredit", "ReleaseStock", "RejectOrder");
        List<String> compensatePayment = List.of("VoidPayment", "ReleaseCredit", "ReleaseStock", "RejectOrder");
        return Stream.of(
                Arguments.of("Approved", List.of("CheckOrder", "ReserveStock", "ReserveCredit", "AuthorizePayment",
                        "ApproveOrder"), ExecutionStatus.SUCCEEDED, "\"verdict\":{\"status\":\"APPROVED\"}"),
                Arguments.of("NotThisOrdersExecution", List.of("CheckOrder", "NotThisOrdersExecution"),
                        ExecutionStatus.FAILED, null),
                Arguments.of("UnknownProduct", concat(List.of("CheckOrder", "ReserveStock", "RejectedUnknownProduct"),
                        compensateStock), ExecutionStatus.SUCCEEDED, "\"reason\":\"UNKNOWN_PRODUCT\""),
                Arguments.of("OutOfStock", concat(List.of("CheckOrder", "ReserveStock", "RejectedOutOfStock"),
                        compensateStock), ExecutionStatus.SUCCEEDED, "\"reason\":\"OUT_OF_STOCK\""),
                Arguments.of("StockAlreadyCompensated", concat(List.of("CheckOrder", "ReserveStock",
                        "RejectedSystemErrorReservingStock"), compensateStock), ExecutionStatus.SUCCEEDED,
                        "\"reason\":\"SYSTEM_ERROR\""),
                Arguments.of("UnknownCustomer", concat(List.of("CheckOrder", "ReserveStock", "ReserveCredit",
                        "RejectedUnknownCustomer"), compensateCredit), ExecutionStatus.SUCCEEDED,
                        "\"reason\":\"UNKNOWN_CUSTOMER\""),
                Arguments.of("CreditLimitExceeded", concat(List.of("CheckOrder", "ReserveStock", "ReserveCredit",
                        "RejectedCreditLimitExceeded"), compensateCredit), ExecutionStatus.SUCCEEDED,
                        "\"reason\":\"CREDIT_LIMIT_EXCEEDED\""),
                Arguments.of("CreditAlreadyCompensated", concat(List.of("CheckOrder", "ReserveStock", "ReserveCredit",
                        "RejectedSystemErrorReservingCredit"), compensateCredit), ExecutionStatus.SUCCEEDED,
                        "\"reason\":\"SYSTEM_ERROR\""),
                Arguments.of("PaymentDeclined", concat(List.of("CheckOrder", "ReserveStock", "ReserveCredit",
                        "AuthorizePayment", "RejectedPaymentDeclined"), compensatePayment), ExecutionStatus.SUCCEEDED,
                        "\"reason\":\"PAYMENT_DECLINED\""),
                Arguments.of("PaymentUnavailable", concat(List.of("CheckOrder", "ReserveStock", "ReserveCredit",
                        "AuthorizePayment", "RejectedPaymentUnavailable"), compensatePayment), ExecutionStatus.SUCCEEDED,
                        "\"reason\":\"PAYMENT_UNAVAILABLE\""),
                Arguments.of("PaymentAlreadyCompensated", concat(List.of("CheckOrder", "ReserveStock", "ReserveCredit",
                        "AuthorizePayment", "RejectedPaymentUnavailable"), compensatePayment), ExecutionStatus.SUCCEEDED,
                        "\"reason\":\"PAYMENT_UNAVAILABLE\""),
                Arguments.of("PaymentDeclinedVoidRetried", concat(List.of("CheckOrder", "ReserveStock", "ReserveCredit",
                        "AuthorizePayment", "RejectedPaymentDeclined"), compensatePayment), ExecutionStatus.SUCCEEDED,
                        "\"reason\":\"PAYMENT_DECLINED\""),
                Arguments.of("ApprovalConflict", concat(List.of("CheckOrder", "ReserveStock", "ReserveCredit",
                        "AuthorizePayment", "ApproveOrder", "RejectedSystemErrorApproving", "RejectUnapprovedOrder"),
                        compensatePayment), ExecutionStatus.SUCCEEDED, "\"reason\":\"SYSTEM_ERROR\""),
                Arguments.of("ApprovedAfterAll", List.of("CheckOrder", "ReserveStock", "ReserveCredit", "AuthorizePayment",
                        "ApproveOrder", "RejectedSystemErrorApproving", "RejectUnapprovedOrder", "ApprovedAfterAll"),
                        ExecutionStatus.SUCCEEDED, "\"Error\":\"io.sagaline.orders.VerdictConflict\""));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return Stream.concat(a.stream(), b.stream()).toList();
    }

    @ParameterizedTest(name = "place-order#{0}")
    @MethodSource("placeOrderPaths")
    void everyPathOfPlaceOrder_runsOnItsMockedResponses(String testCase, List<String> states, ExecutionStatus status,
            String outputHas) {
        String input = "{\"tenant\":\"demo\",\"orderId\":\"" + UUID.randomUUID() + "\",\"customerId\":\"" + UUID.randomUUID()
                + "\",\"items\":[{\"sku\":\"MUG\",\"quantity\":2}],\"paymentToken\":\"tok_ok\"}";
        DescribeExecutionResponse ended = run("place-order", testCase, input);

        assertThat(entered(ended.executionArn())).isEqualTo(states);
        assertThat(ended.status()).isEqualTo(status);
        if (outputHas != null) {
            assertThat(ended.output()).contains(outputHas);
        }
        assertThat(SFN.describeStateMachineForExecution(r -> r.executionArn(ended.executionArn())).name())
                .isEqualTo("place-order");
        if (testCase.equals("NotThisOrdersExecution")) {
            assertThat(ended.error()).isEqualTo("io.sagaline.orders.UnknownOrder");
            assertThat(ended.cause()).isEqualTo("no such order for this execution");
        }
        if (testCase.equals("PaymentDeclinedVoidRetried")) {
            assertThat(SFN.getExecutionHistory(r -> r.executionArn(ended.executionArn()).maxResults(1000)).events())
                    .as("VoidPayment failed once (attempt 0), then its attempt 1 answered")
                    .filteredOn(e -> e.typeAsString().equals("LambdaFunctionFailed")).hasSize(2); // authorize, void
        }
    }

    static Stream<Arguments> cancelOrderPaths() {
        return Stream.of(
                Arguments.of("Cancelled", List.of("RefundPayment", "ReleaseCredit", "ReleaseStock", "CompleteCancellation"),
                        ExecutionStatus.SUCCEEDED, null),
                Arguments.of("RefundNotTaken", List.of("RefundPayment", "WithdrawCancellation", "CancellationFailed"),
                        ExecutionStatus.FAILED, "CancellationFailed"),
                Arguments.of("CompletionConflict", List.of("RefundPayment", "ReleaseCredit", "ReleaseStock",
                        "CompleteCancellation"), ExecutionStatus.FAILED, "io.sagaline.orders.VerdictConflict"));
    }

    @ParameterizedTest(name = "cancel-order#{0}")
    @MethodSource("cancelOrderPaths")
    void everyPathOfCancelOrder_runsOnItsMockedResponses(String testCase, List<String> states, ExecutionStatus status,
            String error) {
        DescribeExecutionResponse ended = run("cancel-order", testCase,
                "{\"tenant\":\"demo\",\"orderId\":\"" + UUID.randomUUID() + "\",\"customerId\":\"" + UUID.randomUUID() + "\"}");

        assertThat(entered(ended.executionArn())).isEqualTo(states);
        assertThat(ended.status()).isEqualTo(status);
        assertThat(ended.error()).isEqualTo(error);
    }

    /** The state machine of the AWS documentation's example (sfn-local-mock-cfg-file), created as a team would. */
    private static void createTheAwsExampleMachine() {
        SFN.createStateMachine(r -> r.name("LambdaSQSIntegration").roleArn("arn:aws:iam::000000000000:role/team")
                .definition("""
                        {"Comment": "This state machine is called: LambdaSQSIntegration",
                         "StartAt": "LambdaState",
                         "States": {
                           "LambdaState": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                           "Parameters": {"Payload.$": "$", "FunctionName": "HelloWorldFunction"},
                                           "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 3,
                                                      "BackoffRate": 2}],
                                           "Next": "SQSState"},
                           "SQSState": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                                        "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/myQueue",
                                                       "MessageBody.$": "$"},
                                        "End": true}}}"""));
    }

    @Test
    void theAwsDocumentationsMockFile_runsUnchanged_onTheMachineItWasWrittenFor() {
        createTheAwsExampleMachine();

        DescribeExecutionResponse happy = run("LambdaSQSIntegration", "HappyPath", "{}");

        assertThat(happy.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(happy.output()).isEqualTo(
                "{\"MD5OfMessageBody\":\"3bcb6e8e-7h85-4375-b0bc-1a59812c6e51\",\"MessageId\":\"3bcb6e8e-8b51-4375-b0bc-1a59812c6e51\"}");
        assertThat(entered(happy.executionArn())).containsExactly("LambdaState", "SQSState");
        assertThatThrownBy(() -> SFN.startExecution(r -> r.stateMachineArn(MACHINE + "LambdaSQSIntegration#NoSuchCase")))
                .isInstanceOf(ValidationException.class).hasMessageContaining("no test case 'NoSuchCase'");
    }

    /** Starts {@code machine#testCase} on the controlled clock, gives the engine back the system clock after. */
    private static String startOnTheControlledClock(String machine, String testCase, String input) {
        ControlledClockTest.clock("PUT", "", "{\"mode\": \"controlled\"}", 200);
        try {
            return SFN.startExecution(r -> r.stateMachineArn(MACHINE + machine + "#" + testCase)
                    .name(testCase + "-" + UUID.randomUUID()).input(input)).executionArn();
        } finally {
            ControlledClockTest.clock("PUT", "", "{\"mode\": \"system\"}", 200);
        }
    }

    private static List<HistoryEvent> historyOf(String executionArn) {
        return SFN.getExecutionHistory(r -> r.executionArn(executionArn).maxResults(1000)).events();
    }

    @Test
    void theAwsExamplesRetryPath_retriesAtTwoFourAndEightSeconds_ofTheControlledClock() {
        createTheAwsExampleMachine();
        String execution = startOnTheControlledClock("LambdaSQSIntegration", "RetryPath", "{}");
        java.time.Instant started = SFN.describeExecution(r -> r.executionArn(execution)).startDate();

        ControlledClockTest.clock("POST", "/advance", "{\"by\": \"PT13S\"}", 200);
        assertThat(SFN.describeExecution(r -> r.executionArn(execution)).status()).isEqualTo(ExecutionStatus.RUNNING);
        ControlledClockTest.clock("POST", "/advance", "{\"by\": \"PT1S\"}", 200);

        DescribeExecutionResponse ended = SFN.describeExecution(r -> r.executionArn(execution));
        assertThat(ended.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(historyOf(execution)).filteredOn(e -> e.typeAsString().equals("TaskScheduled"))
                .extracting(e -> Duration.between(started, e.timestamp()).toSeconds())
                .containsExactly(0L, 2L, 6L, 14L, 14L); // the Lambda's four attempts, then SQSState
        assertThat(historyOf(execution)).filteredOn(e -> e.typeAsString().equals("TaskFailed"))
                .extracting(e -> e.taskFailedEventDetails().error())
                .containsExactly("Lambda.ResourceNotReadyException", "Lambda.TimeoutException", "Lambda.TimeoutException");
    }

    @Test
    void placeOrdersCheckingFailedPath_spendsCheckOrdersFiveRetries_thenRejectsTheOrderAsASystemError() {
        String input = "{\"tenant\":\"demo\",\"orderId\":\"" + UUID.randomUUID() + "\",\"customerId\":\"" + UUID.randomUUID()
                + "\",\"items\":[{\"sku\":\"MUG\",\"quantity\":2}],\"paymentToken\":\"tok_ok\"}";
        String execution = startOnTheControlledClock("place-order", "CheckingFailed", input);

        // five back-offs of full jitter, each at most min(20 s, 1 s * 2^n): all fall due within a minute
        ControlledClockTest.clock("POST", "/advance", "{\"by\": \"PT1M\"}", 200);

        DescribeExecutionResponse ended = SFN.describeExecution(r -> r.executionArn(execution));
        assertThat(ended.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(entered(execution)).containsExactly("CheckOrder", "RejectedSystemErrorChecking", "RejectOrder");
        assertThat(ended.output()).contains("\"reason\":\"SYSTEM_ERROR\"", "the orders database did not answer");
        assertThat(historyOf(execution)).filteredOn(e -> e.typeAsString().equals("LambdaFunctionFailed")).hasSize(6);
    }
}
