package io.sagaline.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.support.DevChild;
import io.sagaline.support.LocalAws;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.HistoryEvent;
import software.amazon.awssdk.services.sfn.model.HistoryEventType;
import software.amazon.awssdk.services.sfn.model.InvalidDefinitionException;
import software.amazon.awssdk.services.sfn.model.StateMachineType;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Nested workflows, as AWS users write them: a Task of {@code arn:aws:states:::states:startExecution} starts an
 * execution of another state machine, and either goes on at once (request-response), waits for the child's end
 * ({@code .sync}: the child's DescribeExecution with its output as a string; {@code .sync:2}: as JSON), or waits for
 * the task token it handed the child ({@code .waitForTaskToken}). A child that fails fails its {@code .sync} Task
 * with States.TaskFailed; a start StartExecution refuses is the Task's {@code StepFunctions.<code>Exception}. A
 * child that ends after the parent's engine was killed still answers its parent.
 */
@QuarkusTest
class NestedExecutionsTest {

    private static final SfnClient SFN = LocalAws.sfn("local", "local");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROLE = "arn:aws:iam::000000000000:role/team-states";

    @Inject
    SqsClient sqs;

    @AfterAll
    static void close() {
        SFN.close();
    }

    private static String machine(String prefix, String definition) {
        return machine(prefix, definition, StateMachineType.STANDARD);
    }

    private static String machine(String prefix, String definition, StateMachineType type) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        return SFN.createStateMachine(r -> r.name(name).roleArn(ROLE).type(type).definition(definition)).stateMachineArn();
    }

    /** A child that doubles its input's n. */
    private static String doubling() {
        return machine("double", """
                {"StartAt": "Double", "States": {"Double": {"Type": "Pass",
                  "Parameters": {"doubled.$": "States.MathAdd($.n, $.n)"}, "End": true}}}""");
    }

    /** A parent whose one Task starts {@code child} with {@code resource}, its result at $.child. */
    private static String parent(String resource, String child, String extra) {
        return machine("parent",
                """
                        {"StartAt": "RunChild", "States": {
                          "RunChild": {"Type": "Task", "Resource": "%s",
                                       "Parameters": {"StateMachineArn": "%s",
                                                      "Input": {"n.$": "$.n", "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"}},
                                       %s
                                       "ResultPath": "$.child", "End": true}}}"""
                        .formatted(resource, child, extra));
    }

    private static DescribeExecutionResponse ended(String executionArn) {
        return LocalAws.ended(SFN, executionArn);
    }

    private static JsonNode json(String text) {
        return LocalAws.json(text);
    }

    private static List<HistoryEvent> history(String executionArn) {
        return SFN.getExecutionHistory(r -> r.executionArn(executionArn)).events();
    }

    @Test
    void aSyncTask_waitsForItsChild_andGoesOnWithTheChildsDescription_itsOutputAString() {
        String child = doubling();
        String execution = SFN.startExecution(r -> r.stateMachineArn(parent(
                "arn:aws:states:::states:startExecution.sync", child, "")).input("{\"n\": 21}")).executionArn();

        DescribeExecutionResponse done = ended(execution);
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        JsonNode described = json(done.output()).path("child");
        assertThat(described.path("Status").asText()).isEqualTo("SUCCEEDED");
        assertThat(described.path("StateMachineArn").asText()).isEqualTo(child);
        assertThat(described.path("Output").isTextual()).as("a string, as .sync has it").isTrue();
        assertThat(json(described.path("Output").asText()).path("doubled").asInt()).isEqualTo(42);
        assertThat(json(described.path("Input").asText()).path("AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID").asText())
                .isEqualTo(execution);
        assertThat(described.path("StartDate").isIntegralNumber()).isTrue();
        assertThat(described.path("StopDate").asLong()).isGreaterThanOrEqualTo(described.path("StartDate").asLong());
        assertThat(described.path("InputDetails").path("Included").asBoolean()).isTrue();

        String childArn = described.path("ExecutionArn").asText();
        DescribeExecutionResponse ofChild = SFN.describeExecution(r -> r.executionArn(childArn));
        assertThat(ofChild.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(ofChild.stateMachineArn()).isEqualTo(child);
        assertThat(json(ofChild.output()).path("doubled").asInt()).isEqualTo(42);

        List<HistoryEvent> events = history(execution);
        assertThat(events).extracting(HistoryEvent::type).containsSubsequence(HistoryEventType.TASK_SCHEDULED,
                HistoryEventType.TASK_STARTED, HistoryEventType.TASK_SUBMITTED, HistoryEventType.TASK_SUCCEEDED);
        assertThat(events).filteredOn(e -> e.type() == HistoryEventType.TASK_SCHEDULED).singleElement().satisfies(e -> {
            assertThat(e.taskScheduledEventDetails().resourceType()).isEqualTo("states");
            assertThat(e.taskScheduledEventDetails().resource()).isEqualTo("startExecution.sync");
        });
        assertThat(events).filteredOn(e -> e.type() == HistoryEventType.TASK_SUBMITTED).singleElement()
                .satisfies(e -> assertThat(json(e.taskSubmittedEventDetails().output()).path("ExecutionArn").asText())
                        .isEqualTo(childArn));
    }

    @Test
    void aSync2Task_hasTheChildsInputAndOutputAsJson() {
        String execution = SFN.startExecution(r -> r.stateMachineArn(parent(
                "arn:aws:states:::states:startExecution.sync:2", doubling(), "\"ResultSelector\": {\"out.$\": \"$.Output\","
                        + " \"in.$\": \"$.Input.n\", \"status.$\": \"$.Status\"},"))
                .input("{\"n\": 5}")).executionArn();

        DescribeExecutionResponse done = ended(execution);
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(json(done.output()).path("child"))
                .isEqualTo(json("{\"out\": {\"doubled\": 10}, \"in\": 5, \"status\": \"SUCCEEDED\"}"));
    }

    @Test
    void syncTasksInAMap_eachWaitForItsOwnChild() {
        String child = doubling();
        String parent = machine("parent", """
                {"StartAt": "Each", "States": {"Each": {"Type": "Map", "ItemsPath": "$.ns", "End": true,
                  "Iterator": {"StartAt": "RunChild", "States": {"RunChild": {"Type": "Task",
                    "Resource": "arn:aws:states:::states:startExecution.sync:2",
                    "Parameters": {"StateMachineArn": "%s", "Input": {"n.$": "$"}},
                    "ResultSelector": {"doubled.$": "$.Output.doubled"}, "End": true}}}}}}""".formatted(child));

        String execution = SFN.startExecution(r -> r.stateMachineArn(parent).input("{\"ns\": [1, 2, 3]}")).executionArn();

        DescribeExecutionResponse done = ended(execution);
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(json(done.output())).isEqualTo(json("[{\"doubled\": 2}, {\"doubled\": 4}, {\"doubled\": 6}]"));
    }

    @Test
    void twoTasksStartingTheSameRunningChild_byNameAndInput_bothGoOnWithItsEnd() {
        String queue = sqs.createQueue(r -> r.queueName("nested-shared-" + UUID.randomUUID().toString().substring(0, 8)))
                .queueUrl();
        String child = awaitingBank(queue);
        String name = "shared-" + UUID.randomUUID();
        String branch = """
                {"StartAt": "RunChild%3$s", "States": {"RunChild%3$s": {"Type": "Task",
                  "Resource": "arn:aws:states:::states:startExecution.sync:2",
                  "Parameters": {"StateMachineArn": "%1$s", "Name": "%2$s", "Input": {"orderId": "o-8"}},
                  "ResultSelector": {"bank.$": "$.Output.bank", "arn.$": "$.ExecutionArn"}, "End": true}}}""";
        String parent = machine("parent", """
                {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": true, "Branches": [%s, %s]}}}"""
                .formatted(branch.formatted(child, name, "A"), branch.formatted(child, name, "B")));
        String execution = SFN.startExecution(r -> r.stateMachineArn(parent).input("{}")).executionArn();

        SFN.sendTaskSuccess(r -> r.taskToken(bankToken(queue)).output("{\"confirmed\": true}"));

        DescribeExecutionResponse done = ended(execution);
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        JsonNode both = json(done.output());
        assertThat(both).hasSize(2);
        assertThat(both.get(0)).isEqualTo(both.get(1)).as("one child, whose end both Tasks took");
        assertThat(both.get(0).path("bank")).isEqualTo(json("{\"confirmed\": true}"));
        assertThat(both.get(0).path("arn").asText()).endsWith(":" + name);
    }

    @Test
    void aChildThatFails_failsItsSyncTaskWithStatesTaskFailed_whichTheParentCatches_theChildsEndInTheCause() {
        String failing = machine("broken", """
                {"StartAt": "Break", "States": {"Break": {"Type": "Fail", "Error": "Child.Broke", "Cause": "went wrong"}}}""");
        String parent = machine("parent",
                """
                        {"StartAt": "RunChild", "States": {
                          "RunChild": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync",
                                       "Parameters": {"StateMachineArn": "%s", "Input": {"n.$": "$.n"}},
                                       "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.failed", "Next": "Compensate"}],
                                       "ResultPath": "$.child", "End": true},
                          "Compensate": {"Type": "Pass", "End": true}}}"""
                        .formatted(failing));
        String execution = SFN.startExecution(r -> r.stateMachineArn(parent).input("{\"n\": 1}")).executionArn();

        DescribeExecutionResponse done = ended(execution);
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        JsonNode failed = json(done.output()).path("failed");
        assertThat(failed.path("Error").asText()).isEqualTo("States.TaskFailed");
        JsonNode cause = json(failed.path("Cause").asText());
        assertThat(cause.path("Status").asText()).isEqualTo("FAILED");
        assertThat(cause.path("Error").asText()).isEqualTo("Child.Broke");
        assertThat(cause.path("Cause").asText()).isEqualTo("went wrong");
        assertThat(cause.has("Output")).isFalse();
        assertThat(history(execution)).extracting(HistoryEvent::type).contains(HistoryEventType.TASK_FAILED);
    }

    @Test
    void aSyncTaskWithoutCatch_failsTheParent_withTheChildsDescriptionAsCause() {
        String failing = machine("broken", """
                {"StartAt": "Break", "States": {"Break": {"Type": "Fail", "Error": "Child.Broke"}}}""");
        String execution = SFN.startExecution(r -> r.stateMachineArn(parent("arn:aws:states:::states:startExecution.sync:2",
                failing, "")).input("{\"n\": 1}")).executionArn();

        DescribeExecutionResponse done = ended(execution);
        assertThat(done.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(done.error()).isEqualTo("States.TaskFailed");
        assertThat(json(done.cause()).path("Error").asText()).isEqualTo("Child.Broke");
    }

    @Test
    void aRequestResponseStart_goesOnAtOnce_withTheChildsArnAndStartDate_whileTheChildRunsOnItsOwn() {
        String queue = sqs.createQueue(r -> r.queueName("nested-rr-" + UUID.randomUUID().toString().substring(0, 8)))
                .queueUrl();
        String waiting = awaitingBank(queue);
        String execution = SFN.startExecution(r -> r.stateMachineArn(parent("arn:aws:states:::states:startExecution",
                waiting, "")).input("{\"n\": 1}")).executionArn();

        DescribeExecutionResponse done = ended(execution);
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        JsonNode started = json(done.output()).path("child");
        assertThat(started.path("StartDate").isIntegralNumber()).isTrue();
        assertThat(started.path("SdkHttpMetadata").path("HttpStatusCode").asInt()).isEqualTo(200);
        String childArn = started.path("ExecutionArn").asText();
        assertThat(childArn).startsWith(waiting.replace(":stateMachine:", ":execution:") + ":");
        assertThat(SFN.describeExecution(r -> r.executionArn(childArn)).status()).as("the parent did not wait for it")
                .isEqualTo(ExecutionStatus.RUNNING);

        SFN.sendTaskSuccess(r -> r.taskToken(bankToken(queue)).output("{}"));
        assertThat(ended(childArn).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    }

    /** A machine whose Task sends its token to {@code queue} and waits for the answer (a bank's). */
    private static String awaitingBank(String queue) {
        return machine("await-bank", """
                {"StartAt": "AwaitBank", "States": {"AwaitBank": {"Type": "Task",
                  "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                  "Parameters": {"QueueUrl": "%s", "MessageBody": {"taskToken.$": "$$.Task.Token"}},
                  "ResultPath": "$.bank", "End": true}}}""".formatted(queue));
    }

    /** The token the machine of {@link #awaitingBank} sent. */
    private String bankToken(String queue) {
        List<Message> messages = await().atMost(Duration.ofSeconds(30)).until(
                () -> sqs.receiveMessage(r -> r.queueUrl(queue).waitTimeSeconds(1)).messages(), m -> !m.isEmpty());
        return json(messages.get(0).body()).path("taskToken").asText();
    }

    @Test
    void aWaitForTaskTokenStart_handsTheChildTheToken_andTheParentGoesOnWithWhatTheChildsWorkerSends() {
        String queue = sqs.createQueue(r -> r.queueName("nested-" + UUID.randomUUID().toString().substring(0, 8)))
                .queueUrl();
        String child = machine("notify", """
                {"StartAt": "Tell", "States": {"Tell": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                  "Parameters": {"QueueUrl": "%s", "MessageBody": {"token.$": "$.token"}}, "End": true}}}""".formatted(queue));
        String parent = machine("parent", """
                {"StartAt": "RunChild", "States": {"RunChild": {"Type": "Task",
                  "Resource": "arn:aws:states:::states:startExecution.waitForTaskToken",
                  "Parameters": {"StateMachineArn": "%s", "Input": {"token.$": "$$.Task.Token"}},
                  "ResultPath": "$.answer", "End": true}}}""".formatted(child));
        String execution = SFN.startExecution(r -> r.stateMachineArn(parent).input("{}")).executionArn();

        List<Message> messages = await().atMost(Duration.ofSeconds(20)).until(
                () -> sqs.receiveMessage(r -> r.queueUrl(queue).waitTimeSeconds(1)).messages(), m -> !m.isEmpty());
        assertThat(SFN.describeExecution(r -> r.executionArn(execution)).status()).isEqualTo(ExecutionStatus.RUNNING);
        String token = json(messages.get(0).body()).path("token").asText();
        SFN.sendTaskSuccess(r -> r.taskToken(token).output("{\"approved\": true}"));

        DescribeExecutionResponse done = ended(execution);
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(done.output()).isEqualTo("{\"answer\":{\"approved\":true}}");
    }

    @Test
    void aChildOfAMachineThatDoesNotExist_failsTheTaskWithStepFunctionsStateMachineDoesNotExistException() {
        String missing = "arn:aws:states:us-east-1:000000000000:stateMachine:no-such-" + UUID.randomUUID();
        String execution = SFN.startExecution(r -> r.stateMachineArn(parent("arn:aws:states:::states:startExecution.sync",
                missing, "")).input("{\"n\": 1}")).executionArn();

        DescribeExecutionResponse done = ended(execution);
        assertThat(done.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(done.error()).isEqualTo("StepFunctions.StateMachineDoesNotExistException");
        assertThat(done.cause()).contains(missing).contains("(Service: AWSStepFunctions; Status Code: 400; Error Code:"
                + " StateMachineDoesNotExist; Request ID: ");
    }

    @Test
    void aChildNamedTwice_failsTheSecondTaskWithExecutionAlreadyExists() {
        String child = doubling();
        String parent = machine("parent", """
                {"StartAt": "First", "States": {
                  "First": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
                            "Parameters": {"StateMachineArn": "%1$s", "Name": "only-once", "Input": {"n": 1}},
                            "ResultPath": null, "Next": "Second"},
                  "Second": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
                             "Parameters": {"StateMachineArn": "%1$s", "Name": "only-once", "Input": {"n": 2}},
                             "End": true}}}""".formatted(child));
        String execution = SFN.startExecution(r -> r.stateMachineArn(parent).input("{}")).executionArn();

        DescribeExecutionResponse done = ended(execution);
        assertThat(done.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(done.error()).isEqualTo("StepFunctions.ExecutionAlreadyExistsException");
        assertThat(done.cause()).contains("Execution Already Exists");
    }

    @Test
    void nestedPatternsThisEngineCannotRun_areRefusedAtCreation() {
        String child = doubling();
        assertThatThrownBy(() -> parent("arn:aws:states:::states:startExecution.sync:3", child, ""))
                .isInstanceOf(InvalidDefinitionException.class).hasMessageContaining("is not recognized");
        assertThatThrownBy(() -> machine("express-parent", """
                {"StartAt": "RunChild", "States": {"RunChild": {"Type": "Task",
                  "Resource": "arn:aws:states:::states:startExecution.sync", "Parameters": {"StateMachineArn": "%s"},
                  "End": true}}}""".formatted(child), StateMachineType.EXPRESS))
                .isInstanceOf(InvalidDefinitionException.class)
                .hasMessageContaining("Express state machine does not support '.sync' service integration");
    }

    /**
     * The parent runs in another engine process, killed while its child waits for a token; the child, taken over
     * here when that token is answered, ends here and answers its parent, which this process then takes over too:
     * the link from child to parent is in the store, not only in the memory of the process that started the child.
     */
    @Test
    void aChildThatEndsAfterItsParentsEngineWasKilled_stillAnswersItsParent() throws Exception {
        String queue = sqs.createQueue(r -> r.queueName("nested-crash-" + UUID.randomUUID().toString().substring(0, 8)))
                .queueUrl();
        String child = awaitingBank(queue);
        String parent = parent("arn:aws:states:::states:startExecution.sync:2", child, "");

        DevChild engine = DevChild.start("nested-crash-engine", "sagaline.local.queues.poll=false");
        String execution;
        String token;
        try (SfnClient there = SfnClient.builder().endpointOverride(URI.create(engine.url())).region(Region.US_EAST_1)
                .httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .build()) {
            execution = there.startExecution(r -> r.stateMachineArn(parent).input("{\"n\": 3}")).executionArn();
            token = bankToken(queue);
        } finally {
            engine.killNine();
        }

        SFN.sendTaskSuccess(r -> r.taskToken(token).output("{\"confirmed\": true}"));

        DescribeExecutionResponse done = ended(execution);
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        JsonNode described = json(done.output()).path("child");
        assertThat(described.path("Output")).isEqualTo(json(
                "{\"n\": 3, \"AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID\": \"" + execution
                        + "\", \"bank\": {\"confirmed\": true}}"));
        assertThat(history(execution)).filteredOn(e -> e.type() == HistoryEventType.TASK_SUBMITTED)
                .as("the child was started once").hasSize(1);
    }
}
