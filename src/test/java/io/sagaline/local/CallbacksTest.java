package io.sagaline.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.support.LocalAws;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.HistoryEvent;
import software.amazon.awssdk.services.sfn.model.HistoryEventType;
import software.amazon.awssdk.services.sfn.model.InvalidDefinitionException;
import software.amazon.awssdk.services.sfn.model.InvalidOutputException;
import software.amazon.awssdk.services.sfn.model.InvalidTokenException;
import software.amazon.awssdk.services.sfn.model.StateMachineType;
import software.amazon.awssdk.services.sfn.model.TaskTimedOutException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * A saga that waits for another system, written as AWS users write it: a Task sends its token on a
 * queue ({@code sqs:sendMessage.waitForTaskToken}) and waits; the other system (this test, as a bank
 * confirming a payment later) answers with SendTaskSuccess or SendTaskFailure through the AWS SDK,
 * or sends heartbeats. Also the optimised Lambda integration, and the integrations this engine cannot
 * perform, refused when the machine is created.
 */
@QuarkusTest
class CallbacksTest {

    private static final SfnClient SFN = LocalAws.sfn("local", "local");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROLE = "arn:aws:iam::000000000000:role/team-states";

    @Inject
    SqsClient sqs;

    @AfterAll
    static void close() {
        SFN.close();
    }

    /** A queue of the test's own, which no function of the catalog consumes: the bank's inbox. */
    private String bankQueue() {
        return sqs.createQueue(r -> r.queueName("bank-" + UUID.randomUUID().toString().substring(0, 8))).queueUrl();
    }

    private static String confirmingMachine(String queueUrl, String extra) {
        String name = "confirm-" + UUID.randomUUID().toString().substring(0, 8);
        return SFN.createStateMachine(r -> r.name(name).roleArn(ROLE).definition(
                """
                        {"StartAt": "AwaitBank",
                         "States": {
                           "AwaitBank": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                                         %s
                                         "Parameters": {"QueueUrl": "%s",
                                                        "MessageBody": {"orderId.$": "$.orderId", "taskToken.$": "$$.Task.Token"}},
                                         "ResultPath": "$.bank", "Next": "Approved",
                                         "Catch": [{"ErrorEquals": ["Bank.Declined"], "ResultPath": "$.declined", "Next": "Declined"},
                                                   {"ErrorEquals": ["States.HeartbeatTimeout"], "ResultPath": "$.silent", "Next": "Silent"}]},
                           "Approved": {"Type": "Pass", "End": true},
                           "Declined": {"Type": "Pass", "Result": "declined", "ResultPath": "$.outcome", "End": true},
                           "Silent": {"Type": "Pass", "Result": "no heartbeat", "ResultPath": "$.outcome", "End": true}}}"""
                        .formatted(extra, queueUrl)))
                .stateMachineArn();
    }

    /** The message the machine sent the bank. */
    private JsonNode received(String queueUrl) {
        List<Message> messages = await().atMost(Duration.ofSeconds(20)).until(
                () -> sqs.receiveMessage(r -> r.queueUrl(queueUrl).waitTimeSeconds(1)).messages(), m -> !m.isEmpty());
        try {
            return JSON.readTree(messages.get(0).body());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static DescribeExecutionResponse ended(String executionArn) {
        await().atMost(Duration.ofSeconds(20))
                .until(() -> SFN.describeExecution(r -> r.executionArn(executionArn)).status() != ExecutionStatus.RUNNING);
        return SFN.describeExecution(r -> r.executionArn(executionArn));
    }

    @Test
    void aPaymentConfirmedLaterByTheBank_goesOnWithTheBanksAnswer_andItsTokenIsThenSpent() {
        String queue = bankQueue();
        String execution = SFN.startExecution(r -> r.stateMachineArn(confirmingMachine(queue, ""))
                .input("{\"orderId\": \"o-1\"}")).executionArn();

        JsonNode message = received(queue);
        assertThat(message.path("orderId").asText()).isEqualTo("o-1");
        String token = message.path("taskToken").asText();
        assertThat(SFN.describeExecution(r -> r.executionArn(execution)).status()).isEqualTo(ExecutionStatus.RUNNING);
        SFN.sendTaskSuccess(r -> r.taskToken(token).output("{\"authorization\": \"A-77\"}"));

        DescribeExecutionResponse done = ended(execution);
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(done.output()).isEqualTo("{\"orderId\":\"o-1\",\"bank\":{\"authorization\":\"A-77\"}}");
        List<HistoryEvent> history = SFN.getExecutionHistory(r -> r.executionArn(execution)).events();
        assertThat(history).extracting(HistoryEvent::type).containsSubsequence(HistoryEventType.TASK_SCHEDULED,
                HistoryEventType.TASK_STARTED, HistoryEventType.TASK_SUBMITTED, HistoryEventType.TASK_SUCCEEDED);
        assertThat(history).filteredOn(e -> e.type() == HistoryEventType.TASK_SCHEDULED).singleElement().satisfies(e -> {
            assertThat(e.taskScheduledEventDetails().resourceType()).isEqualTo("sqs");
            assertThat(e.taskScheduledEventDetails().resource()).isEqualTo("sendMessage.waitForTaskToken");
            assertThat(e.taskScheduledEventDetails().region()).isEqualTo("us-east-1");
        });
        assertThat(history).filteredOn(e -> e.type() == HistoryEventType.TASK_SUBMITTED).singleElement()
                .satisfies(e -> assertThat(e.taskSubmittedEventDetails().output()).contains("MessageId")
                        .contains("MD5OfMessageBody"));
        assertThatThrownBy(() -> SFN.sendTaskSuccess(r -> r.taskToken(token).output("{}")))
                .as("a token is answered once").isInstanceOf(TaskTimedOutException.class)
                .hasMessageContaining("Task Timed Out: 'Provided task does not exist anymore'");
    }

    @Test
    void aDeclineSentWithSendTaskFailure_isTheTasksError_whichItsCatchRoutes() {
        String queue = bankQueue();
        String execution = SFN.startExecution(r -> r.stateMachineArn(confirmingMachine(queue, ""))
                .input("{\"orderId\": \"o-2\"}")).executionArn();
        String token = received(queue).path("taskToken").asText();

        SFN.sendTaskFailure(r -> r.taskToken(token).error("Bank.Declined").cause("insufficient funds"));

        DescribeExecutionResponse done = ended(execution);
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(done.output()).contains("\"outcome\":\"declined\"")
                .contains("\"declined\":{\"Error\":\"Bank.Declined\",\"Cause\":\"insufficient funds\"}");
    }

    /**
     * Through the API: a heartbeat is taken, and a task whose HeartbeatSeconds pass without one fails with
     * States.Timeout in its history, caught as States.HeartbeatTimeout (the engine's CallbackTest pins the
     * heartbeats' timing on a clock of its own; here the two seconds are real).
     */
    @Test
    void aHeartbeatIsTaken_andSilenceEndsTheWait_caughtAsStatesHeartbeatTimeout() {
        String queue = bankQueue();
        String machine = confirmingMachine(queue, "\"HeartbeatSeconds\": 2,");
        String beating = SFN.startExecution(r -> r.stateMachineArn(machine).input("{\"orderId\": \"o-3\"}"))
                .executionArn();
        String token = received(queue).path("taskToken").asText();
        SFN.sendTaskHeartbeat(r -> r.taskToken(token));
        SFN.sendTaskSuccess(r -> r.taskToken(token).output("\"ok\""));
        assertThat(ended(beating).status()).isEqualTo(ExecutionStatus.SUCCEEDED);

        String silent = SFN.startExecution(r -> r.stateMachineArn(machine).input("{\"orderId\": \"o-4\"}"))
                .executionArn();
        DescribeExecutionResponse done = ended(silent);
        assertThat(done.output()).contains("\"outcome\":\"no heartbeat\"");
        assertThat(SFN.getExecutionHistory(r -> r.executionArn(silent)).events())
                .filteredOn(e -> e.type() == HistoryEventType.TASK_TIMED_OUT).singleElement()
                .satisfies(e -> assertThat(e.taskTimedOutEventDetails().error()).isEqualTo("States.Timeout"));
    }

    @Test
    void tokensAndOutputsThatAreNotValid_areRefusedWithAwsErrorCodes() {
        assertThatThrownBy(() -> SFN.sendTaskSuccess(r -> r.taskToken("not-a-token").output("{}")))
                .isInstanceOf(InvalidTokenException.class);
        assertThatThrownBy(() -> SFN.sendTaskHeartbeat(r -> r.taskToken("bm90IGEgdG9rZW4")))
                .isInstanceOf(InvalidTokenException.class);
        String queue = bankQueue();
        String execution = SFN.startExecution(r -> r.stateMachineArn(confirmingMachine(queue, ""))
                .input("{\"orderId\": \"o-5\"}")).executionArn();
        String token = received(queue).path("taskToken").asText();
        assertThatThrownBy(() -> SFN.sendTaskSuccess(r -> r.taskToken(token).output("{not json")))
                .isInstanceOf(InvalidOutputException.class);
        SFN.stopExecution(r -> r.executionArn(execution));
        assertThatThrownBy(() -> SFN.sendTaskSuccess(r -> r.taskToken(token).output("{}")))
                .as("its execution was stopped").isInstanceOf(TaskTimedOutException.class);
    }

    @Test
    void theOptimisedLambdaIntegration_passesAFunctionsErrorOn_andNamesAFunctionThatIsNotThere() {
        String name = "lambda-invoke-" + UUID.randomUUID().toString().substring(0, 8);
        String machine = SFN.createStateMachine(r -> r.name(name).roleArn(ROLE).definition("""
                {"StartAt": "Check", "States": {
                  "Check": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                            "Parameters": {"FunctionName.$": "$.function", "Payload": {"tenant": "demo",
                              "orderId": "00000000-0000-0000-0000-000000000000", "executionId.$": "$$.Execution.Id",
                              "customerId": "00000000-0000-0000-0000-000000000000", "items": []}},
                            "End": true}}}""")).stateMachineArn();

        String unknownOrder = SFN.startExecution(r -> r.stateMachineArn(machine).input(
                "{\"function\": \"arn:aws:lambda:us-east-1:000000000000:function:check-order\"}")).executionArn();
        DescribeExecutionResponse failed = ended(unknownOrder);
        assertThat(failed.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(failed.error()).as("the function's errorType, as AWS gives it").isEqualTo("io.sagaline.orders.UnknownOrder");
        assertThat(failed.cause()).contains("\"errorType\":\"io.sagaline.orders.UnknownOrder\"");
        assertThat(SFN.getExecutionHistory(r -> r.executionArn(unknownOrder)).events())
                .filteredOn(e -> e.type() == HistoryEventType.TASK_FAILED).singleElement()
                .satisfies(e -> assertThat(e.taskFailedEventDetails().resource()).isEqualTo("invoke"));

        String missing = SFN.startExecution(r -> r.stateMachineArn(machine).input("{\"function\": \"no-such-function\"}"))
                .executionArn();
        DescribeExecutionResponse notThere = ended(missing);
        assertThat(notThere.error()).isEqualTo("Lambda.ResourceNotFoundException");
        assertThat(notThere.cause()).startsWith("Function not found: arn:aws:lambda:us-east-1:000000000000:function:"
                + "no-such-function (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException;");
    }

    @Test
    void anIntegrationThisEngineCannotPerform_isRefusedWhenTheMachineIsCreated_inAwsWords() {
        assertThatThrownBy(() -> SFN.createStateMachine(r -> r.name("dynamo-" + UUID.randomUUID().toString().substring(0, 8))
                .roleArn(ROLE).definition("""
                        {"StartAt": "Put", "States": {"Put": {"Type": "Task",
                          "Resource": "arn:aws:states:::dynamodb:putItem", "End": true}}}""")))
                .isInstanceOf(InvalidDefinitionException.class)
                .hasMessageContaining("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The resource provided"
                        + " arn:aws:states:::dynamodb:putItem is not recognized. The value is not a valid resource ARN, or"
                        + " the resource is not available in this region. at /States/Put/Resource'");
        assertThatThrownBy(() -> SFN.createStateMachine(r -> r.name("express-" + UUID.randomUUID().toString().substring(0, 8))
                .roleArn(ROLE).type(StateMachineType.EXPRESS).definition("""
                        {"StartAt": "Each", "States": {"Each": {"Type": "Map", "End": true, "ItemProcessor": {
                          "StartAt": "Publish", "States": {"Publish": {"Type": "Task",
                            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}}}}}}""")))
                .isInstanceOf(InvalidDefinitionException.class)
                .hasMessageContaining("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine"
                        + " does not support '.waitForTaskToken' service integration  at"
                        + " /States/Each/ItemProcessor/States/Publish/Resource'");
    }
}
