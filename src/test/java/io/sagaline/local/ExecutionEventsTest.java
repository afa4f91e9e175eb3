package io.sagaline.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
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
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.StateMachineType;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Every execution status change, as EventBridge's "Step Functions Execution Status Change" event, on the catalog's
 * execution-events queue (README, "Execution events"): RUNNING at the start and at a redrive, then the end with its
 * output or error; none for an EXPRESS execution, as in AWS. The queue is shared by every execution of the test run,
 * so each test reads the events of its own executions only (the others it reads stay on the queue).
 */
@QuarkusTest
class ExecutionEventsTest {

    private static final SfnClient SFN = LocalAws.sfn("local", "local");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROLE = "arn:aws:iam::000000000000:role/team-states";

    @Inject
    SqsClient sqs;

    /** The application's client, whose StartSyncExecution goes to this endpoint (no "sync-" host prefix). */
    @Inject
    SfnClient local;

    @AfterAll
    static void close() {
        SFN.close();
    }

    /** The executions of every event read by this test, its own or not. */
    private final List<String> seen = new ArrayList<>();

    private String queue() {
        return sqs.getQueueUrl(r -> r.queueName("execution-events")).queueUrl();
    }

    private static String machine(String definition, StateMachineType type) {
        String name = "announced-" + UUID.randomUUID().toString().substring(0, 8);
        return SFN.createStateMachine(r -> r.name(name).roleArn(ROLE).type(type).definition(definition)).stateMachineArn();
    }

    /** The events of {@code executionArn} read from the queue until there are {@code count}, in the order sent. */
    private List<JsonNode> events(String executionArn, int count) {
        List<JsonNode> mine = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            for (Message m : sqs.receiveMessage(r -> r.queueUrl(queue()).maxNumberOfMessages(10).waitTimeSeconds(1))
                    .messages()) {
                JsonNode event = JSON.readTree(m.body());
                seen.add(event.path("detail").path("executionArn").asText());
                if (event.path("detail").path("executionArn").asText().equals(executionArn)) {
                    mine.add(event);
                    sqs.deleteMessage(r -> r.queueUrl(queue()).receiptHandle(m.receiptHandle()));
                } // another execution's stays on the queue, hidden for the queue's visibility timeout
            }
            return mine.size() >= count;
        });
        return mine;
    }

    /**
     * The one event of {@code events} with {@code status}. A standard queue, like EventBridge's delivery to it, does
     * not keep the order events were sent in (two sent in one batch may be received either way round), so the tests
     * find an execution's events by their status, not by where they were received.
     */
    private static JsonNode withStatus(List<JsonNode> events, String status) {
        List<JsonNode> found = events.stream().filter(e -> e.path("detail").path("status").asText().equals(status)).toList();
        assertThat(found).as("one " + status + " event").hasSize(1);
        return found.get(0);
    }

    @Test
    void anExecutionThatSucceeds_announcesRunningThenSucceeded_inEventBridgesShape() {
        String machine = machine("""
                {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "Result": {"ok": true}, "End": true}}}""",
                StateMachineType.STANDARD);
        String execution = SFN.startExecution(r -> r.stateMachineArn(machine).name("e-1").input("{\"orderId\": \"o-1\"}"))
                .executionArn();

        List<JsonNode> events = events(execution, 2);
        assertThat(events).extracting(e -> e.path("detail").path("status").asText())
                .containsExactlyInAnyOrder("RUNNING", "SUCCEEDED");
        JsonNode running = withStatus(events, "RUNNING");
        assertThat(running.path("detail-type").asText()).isEqualTo("Step Functions Execution Status Change");
        assertThat(running.path("source").asText()).isEqualTo("aws.states");
        assertThat(running.path("account").asText()).isEqualTo("000000000000");
        assertThat(running.path("region").asText()).isEqualTo("us-east-1");
        assertThat(running.path("version").asText()).isEqualTo("0");
        assertThat(running.path("resources")).extracting(JsonNode::asText).containsExactly(execution);
        assertThat(running.path("detail").path("stateMachineArn").asText()).isEqualTo(machine);
        assertThat(running.path("detail").path("name").asText()).isEqualTo("e-1");
        assertThat(running.path("detail").path("input").asText()).isEqualTo("{\"orderId\":\"o-1\"}");
        assertThat(running.path("detail").path("stopDate").isNull()).isTrue();
        assertThat(running.path("detail").path("output").isNull()).isTrue();
        JsonNode succeeded = withStatus(events, "SUCCEEDED").path("detail");
        assertThat(succeeded.path("output").asText()).isEqualTo("{\"ok\":true}");
        assertThat(succeeded.path("outputDetails").path("included").asBoolean()).isTrue();
        assertThat(succeeded.path("stopDate").asLong()).isGreaterThanOrEqualTo(succeeded.path("startDate").asLong());
        assertThat(succeeded.path("error").isNull()).isTrue();
    }

    @Test
    void aFailureAndItsRedrive_announceFailedWithTheError_thenRunningAgainWithTheRedriveCount() {
        String machine = machine("""
                {"StartAt": "Break", "States": {"Break": {"Type": "Fail", "Error": "Order.Broken", "Cause": "no stock"}}}""",
                StateMachineType.STANDARD);
        String execution = SFN.startExecution(r -> r.stateMachineArn(machine).input("{}")).executionArn();

        List<JsonNode> events = events(execution, 2);
        withStatus(events, "RUNNING");
        JsonNode failed = withStatus(events, "FAILED").path("detail");
        assertThat(failed.path("error").asText()).isEqualTo("Order.Broken");
        assertThat(failed.path("cause").asText()).isEqualTo("no stock");
        assertThat(failed.path("output").isNull()).isTrue();

        String aborting = machine("""
                {"StartAt": "Later", "States": {"Later": {"Type": "Wait", "Seconds": 3600, "End": true}}}""",
                StateMachineType.STANDARD);
        String stopped = SFN.startExecution(r -> r.stateMachineArn(aborting).input("{}")).executionArn();
        SFN.stopExecution(r -> r.executionArn(stopped).error("Cancelled"));
        assertThat(events(stopped, 2)).extracting(e -> e.path("detail").path("status").asText())
                .containsExactlyInAnyOrder("RUNNING", "ABORTED");
        SFN.redriveExecution(r -> r.executionArn(stopped));
        JsonNode redriven = events(stopped, 1).get(0).path("detail");
        assertThat(redriven.path("status").asText()).isEqualTo("RUNNING");
        assertThat(redriven.path("redriveCount").asInt()).isEqualTo(1);
        assertThat(redriven.path("redriveDate").isIntegralNumber()).isTrue();
        SFN.stopExecution(r -> r.executionArn(stopped));
    }

    @Test
    void dataTooLargeForAnEvent_isLeftOut_asEventBridgeLeavesItOut_andTheEventStillGoes() {
        String machine = machine("""
                {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": true}}}""", StateMachineType.STANDARD);
        String big = "x".repeat(LocalExecutionEvents.DATA_LIMIT);
        String small = "{\"n\": 1}";
        String execution = SFN.startExecution(r -> r.stateMachineArn(machine).input("{\"big\": \"" + big + "\"}"))
                .executionArn();

        List<JsonNode> events = events(execution, 2);
        JsonNode succeeded = withStatus(events, "SUCCEEDED").path("detail");
        assertThat(succeeded.path("input").isNull()).isTrue();
        assertThat(succeeded.path("inputDetails").path("included").asBoolean()).isFalse();
        assertThat(succeeded.path("output").isNull()).isTrue();
        assertThat(succeeded.path("outputDetails").path("included").asBoolean()).isFalse();
        String fits = SFN.startExecution(r -> r.stateMachineArn(machine).input(small)).executionArn();
        assertThat(withStatus(events(fits, 2), "SUCCEEDED").path("detail").path("output").asText())
                .isEqualTo("{\"n\":1}");
    }

    @Test
    void anExpressExecution_announcesNothing_asInAws() {
        String express = machine("""
                {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": true}}}""", StateMachineType.EXPRESS);
        var sync = local.startSyncExecution(r -> r.stateMachineArn(express).input("{}"));
        assertThat(sync.statusAsString()).isEqualTo("SUCCEEDED");
        // a STANDARD execution started after it is announced: had the EXPRESS one been, it would be there first
        String standard = machine("""
                {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": true}}}""", StateMachineType.STANDARD);
        String after = SFN.startExecution(r -> r.stateMachineArn(standard).input("{}")).executionArn();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> SFN.describeExecution(r -> r.executionArn(after)).status() != ExecutionStatus.RUNNING);
        assertThat(events(after, 2)).hasSize(2);
        // one sender, in order: had the EXPRESS execution been announced, its events went in an earlier request than
        // these, and were read on the way to them
        assertThat(seen).doesNotContain(sync.executionArn());
    }

    private static JsonNode json(String text) {
        return LocalAws.json(text);
    }
}
