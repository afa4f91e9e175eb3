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
import software.amazon.awssdk.services.sfn.model.HistoryEventType;
import software.amazon.awssdk.services.sfn.model.InvalidDefinitionException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The {@code aws-sdk:} integrations of the services that run here (SQS, Step Functions, Lambda), as AWS users write
 * them: PascalCase parameters in, the SDK's response with PascalCase names out, a service's error as
 * {@code <Service>.<Exception>} for Retry and Catch; an action or service this engine cannot perform is refused when
 * the machine is created.
 */
@QuarkusTest
class AwsSdkIntegrationsTest {

    private static final SfnClient SFN = LocalAws.sfn("local", "local");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROLE = "arn:aws:iam::000000000000:role/team-states";

    @Inject
    SqsClient sqs;

    @AfterAll
    static void close() {
        SFN.close();
    }

    private static String machine(String states) {
        String name = "sdk-" + UUID.randomUUID().toString().substring(0, 8);
        return SFN.createStateMachine(r -> r.name(name).roleArn(ROLE).definition(states)).stateMachineArn();
    }

    /** A machine of one Task of {@code resource} with {@code parameters}, its errors caught at $.error. */
    private static String task(String resource, String parameters) {
        return machine("""
                {"StartAt": "Call", "States": {
                  "Call": {"Type": "Task", "Resource": "%s", "Parameters": %s, "ResultPath": "$.result", "End": true,
                           "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}]},
                  "Caught": {"Type": "Pass", "End": true}}}""".formatted(resource, parameters));
    }

    private static JsonNode run(String machine, String input) {
        String execution = SFN.startExecution(r -> r.stateMachineArn(machine).input(input)).executionArn();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> SFN.describeExecution(r -> r.executionArn(execution)).status() != ExecutionStatus.RUNNING);
        DescribeExecutionResponse done = SFN.describeExecution(r -> r.executionArn(execution));
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        return json(done.output());
    }

    private static JsonNode json(String text) {
        return LocalAws.json(text);
    }

    @Test
    void sqsSendMessage_sendsOnTheLocalQueue_andAnswersTheSdksResponse() {
        String queue = sqs.createQueue(r -> r.queueName("sdk-" + UUID.randomUUID().toString().substring(0, 8))).queueUrl();
        JsonNode out = run(task("arn:aws:states:::aws-sdk:sqs:sendMessage", """
                {"QueueUrl": "%s", "MessageBody.$": "$.body", "DelaySeconds": 0,
                 "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "order"}}}""".formatted(queue)),
                "{\"body\": \"hello\"}");

        JsonNode result = out.path("result");
        assertThat(result.path("MessageId").asText()).isNotEmpty();
        assertThat(result.path("MD5OfMessageBody").asText()).isEqualTo("5d41402abc4b2a76b9719d911017c592");
        List<Message> received = sqs.receiveMessage(r -> r.queueUrl(queue).messageAttributeNames("All").waitTimeSeconds(1))
                .messages();
        assertThat(received).singleElement().satisfies(m -> {
            assertThat(m.body()).isEqualTo("hello");
            assertThat(m.messageAttributes().get("kind").stringValue()).isEqualTo("order");
        });
    }

    @Test
    void aServicesError_isSqsQueueDoesNotExistException_withAwssCause() {
        JsonNode out = run(task("arn:aws:states:::aws-sdk:sqs:getQueueUrl", "{\"QueueName\": \"no-such-queue-here\"}"), "{}");

        assertThat(out.path("error").path("Error").asText()).isEqualTo("Sqs.QueueDoesNotExistException");
        assertThat(out.path("error").path("Cause").asText()).contains("(Service: Sqs, Status Code: 400, Request ID: ");
    }

    @Test
    void sfnStartExecutionAndDescribeExecution_driveThisEngine_withPascalCaseResults() {
        String child = machine("""
                {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "Result": {"ok": true}, "End": true}}}""");
        String parent = machine("""
                {"StartAt": "Start", "States": {
                  "Start": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:startExecution",
                            "Parameters": {"StateMachineArn": "%s", "Input": "{\\"n\\": 1}"}, "ResultPath": "$.started",
                            "Next": "Describe"},
                  "Describe": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:describeExecution",
                               "Parameters": {"ExecutionArn.$": "$.started.ExecutionArn"}, "ResultPath": "$.described",
                               "Next": "Ended"},
                  "Ended": {"Type": "Choice", "Default": "Done",
                            "Choices": [{"Variable": "$.described.Status", "StringEquals": "RUNNING", "Next": "Describe"}]},
                  "Done": {"Type": "Succeed"}}}""".formatted(child));

        JsonNode out = run(parent, "{}");

        assertThat(out.path("started").path("ExecutionArn").asText())
                .startsWith(child.replace(":stateMachine:", ":execution:"));
        assertThat(out.path("started").path("StartDate").asText()).as("an ISO-8601 instant").contains("T").endsWith("Z");
        JsonNode described = out.path("described");
        assertThat(described.path("Status").asText()).isEqualTo("SUCCEEDED");
        assertThat(described.path("StateMachineArn").asText()).isEqualTo(child);
        assertThat(described.path("Output").asText()).isEqualTo("{\"ok\":true}");
        assertThat(described.path("InputDetails").path("Included").asBoolean()).isTrue();
    }

    @Test
    void sfnErrors_areSfnExceptions() {
        JsonNode out = run(task("arn:aws:states:::aws-sdk:sfn:describeExecution",
                "{\"ExecutionArn\": \"arn:aws:states:us-east-1:000000000000:execution:nope:nope\"}"), "{}");

        assertThat(out.path("error").path("Error").asText()).isEqualTo("Sfn.ExecutionDoesNotExistException");
        assertThat(out.path("error").path("Cause").asText()).contains("Execution Does Not Exist");
    }

    @Test
    void lambdaInvoke_ofAFunctionThatIsNotThere_isLambdaResourceNotFoundException() {
        JsonNode out = run(task("arn:aws:states:::aws-sdk:lambda:invoke",
                "{\"FunctionName\": \"no-such-function\", \"Payload\": \"{}\"}"), "{}");

        assertThat(out.path("error").path("Error").asText()).isEqualTo("Lambda.ResourceNotFoundException");
    }

    @Test
    void lambdaInvoke_invokesTheCatalogsFunction_itsPayloadAStringOfJson() {
        JsonNode out = run(task("arn:aws:states:::aws-sdk:lambda:invoke",
                "{\"FunctionName\": \"check-order\", \"Payload\": {\"tenant\": \"demo\", \"orderId\": \"no-such-order\"}}"),
                "{}");

        JsonNode result = out.path("result");
        assertThat(result.path("StatusCode").asInt()).isEqualTo(200);
        assertThat(result.path("FunctionError").asText()).isEqualTo("Unhandled");
        assertThat(result.path("Payload").isTextual()).as("not parsed, as only lambda:invoke parses it").isTrue();
        assertThat(json(result.path("Payload").asText()).path("errorType").asText()).isNotEmpty();
    }

    @Test
    void aParameterTheActionDoesNotTake_failsTheTask() {
        String machine = task("arn:aws:states:::aws-sdk:sqs:getQueueUrl", "{\"QueueName\": \"x\", \"Colour\": \"blue\"}");
        String execution = SFN.startExecution(r -> r.stateMachineArn(machine).input("{}")).executionArn();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> SFN.describeExecution(r -> r.executionArn(execution)).status() != ExecutionStatus.RUNNING);
        DescribeExecutionResponse done = SFN.describeExecution(r -> r.executionArn(execution));
        assertThat(done.status()).as("States.Runtime, which no Catch takes").isEqualTo(ExecutionStatus.FAILED);
        assertThat(done.error()).isEqualTo("States.Runtime");
        assertThat(done.cause()).contains("Colour");
        assertThat(SFN.getExecutionHistory(r -> r.executionArn(execution)).events())
                .anyMatch(e -> e.type() == HistoryEventType.EXECUTION_FAILED);
    }

    @Test
    void actionsAndServicesThisEngineCannotPerform_areRefusedAtCreation() {
        for (String resource : List.of("arn:aws:states:::aws-sdk:sqs:noSuchAction", "arn:aws:states:::aws-sdk:s3:listBuckets",
                "arn:aws:states:::aws-sdk:sqs:sendMessage.sync", "arn:aws:states:::aws-sdk:sqs:SendMessage")) {
            assertThatThrownBy(() -> task(resource, "{}")).as(resource).isInstanceOf(InvalidDefinitionException.class)
                    .hasMessageContaining("is not recognized");
        }
    }
}
