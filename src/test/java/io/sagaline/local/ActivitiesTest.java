package io.sagaline.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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
import software.amazon.awssdk.services.sfn.model.ActivityDoesNotExistException;
import software.amazon.awssdk.services.sfn.model.ActivityListItem;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.GetActivityTaskResponse;
import software.amazon.awssdk.services.sfn.model.HistoryEvent;
import software.amazon.awssdk.services.sfn.model.HistoryEventType;
import software.amazon.awssdk.services.sfn.model.InvalidArnException;
import software.amazon.awssdk.services.sfn.model.InvalidDefinitionException;
import software.amazon.awssdk.services.sfn.model.InvalidNameException;
import software.amazon.awssdk.services.sfn.model.StateMachineType;
import software.amazon.awssdk.services.sfn.model.Tag;

/**
 * Activities, as AWS users write them: CreateActivity and its siblings; a Task whose Resource is the activity's
 * ARN waits until a worker takes its task with GetActivityTask (a long poll) and answers it with SendTaskSuccess,
 * SendTaskFailure or SendTaskHeartbeat; the history says ActivityScheduled, ActivityStarted (with the worker's
 * name) and how it ended. A task outlives the engine that scheduled it.
 */
@QuarkusTest
class ActivitiesTest {

    private static final SfnClient SFN = LocalAws.sfn("local", "local");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROLE = "arn:aws:iam::000000000000:role/team-states";

    @AfterAll
    static void close() {
        SFN.close();
    }

    private static String activity() {
        return SFN.createActivity(r -> r.name("review-" + UUID.randomUUID().toString().substring(0, 8))).activityArn();
    }

    /** A machine whose one Task is the activity's, its result at $.review, caught errors at $.failed. */
    private static String reviewing(String activityArn, String extra) {
        String name = "review-" + UUID.randomUUID().toString().substring(0, 8);
        return SFN.createStateMachine(r -> r.name(name).roleArn(ROLE).definition("""
                {"StartAt": "Review", "States": {
                  "Review": {"Type": "Task", "Resource": "%s", "Parameters": {"orderId.$": "$.orderId"}, %s
                             "ResultPath": "$.review", "End": true,
                             "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.failed", "Next": "Failed"}]},
                  "Failed": {"Type": "Pass", "End": true}}}""".formatted(activityArn, extra))).stateMachineArn();
    }

    private static DescribeExecutionResponse ended(String executionArn) {
        return LocalAws.ended(SFN, executionArn);
    }

    /** The activity's next task, polled until one comes (each poll is a long poll of its own). */
    private static GetActivityTaskResponse task(SfnClient client, String activityArn, String worker) {
        return await().atMost(Duration.ofSeconds(20)).until(
                () -> client.getActivityTask(r -> r.activityArn(activityArn).workerName(worker)), t -> t.taskToken() != null);
    }

    private static JsonNode json(String text) {
        return LocalAws.json(text);
    }

    private static List<HistoryEvent> history(String executionArn) {
        return SFN.getExecutionHistory(r -> r.executionArn(executionArn)).events();
    }

    @Test
    void createActivity_isIdempotentByName_andDescribeListTagAndDeleteIt() {
        String name = "pack-" + UUID.randomUUID().toString().substring(0, 8);
        var created = SFN.createActivity(r -> r.name(name).tags(Tag.builder().key("team").value("warehouse").build()));
        assertThat(created.activityArn()).isEqualTo("arn:aws:states:us-east-1:000000000000:activity:" + name);
        assertThat(SFN.createActivity(r -> r.name(name)).activityArn()).as("the same name, the same activity")
                .isEqualTo(created.activityArn());

        var described = SFN.describeActivity(r -> r.activityArn(created.activityArn()));
        assertThat(described.name()).isEqualTo(name);
        assertThat(described.creationDate()).isEqualTo(created.creationDate());
        assertThat(SFN.listActivitiesPaginator(r -> r.maxResults(1)).activities().stream().map(ActivityListItem::name))
                .contains(name);
        assertThat(SFN.listTagsForResource(r -> r.resourceArn(created.activityArn())).tags())
                .containsExactly(Tag.builder().key("team").value("warehouse").build());
        SFN.tagResource(r -> r.resourceArn(created.activityArn()).tags(Tag.builder().key("tier").value("1").build()));
        assertThat(SFN.listTagsForResource(r -> r.resourceArn(created.activityArn())).tags()).hasSize(2);

        SFN.deleteActivity(r -> r.activityArn(created.activityArn()));
        assertThatThrownBy(() -> SFN.describeActivity(r -> r.activityArn(created.activityArn())))
                .isInstanceOf(ActivityDoesNotExistException.class).hasMessageContaining("Activity Does Not Exist");
        assertThatThrownBy(() -> SFN.getActivityTask(r -> r.activityArn(created.activityArn())))
                .isInstanceOf(ActivityDoesNotExistException.class);
    }

    @Test
    void badNamesAndArns_areRefusedAsAwsRefusesThem() {
        assertThatThrownBy(() -> SFN.createActivity(r -> r.name("no spaces"))).isInstanceOf(InvalidNameException.class);
        assertThatThrownBy(
                () -> SFN.describeActivity(r -> r.activityArn("arn:aws:states:us-east-1:000000000000:stateMachine:x")))
                .isInstanceOf(InvalidArnException.class);
        assertThatThrownBy(() -> SFN.createStateMachine(r -> r.name("express-" + UUID.randomUUID().toString().substring(0, 8))
                .roleArn(ROLE).type(StateMachineType.EXPRESS).definition("""
                        {"StartAt": "Review", "States": {"Review": {"Type": "Task", "Resource": "%s", "End": true}}}"""
                        .formatted(activity()))))
                .isInstanceOf(InvalidDefinitionException.class)
                .hasMessageContaining("Express state machine does not support Activity ARN");
    }

    @Test
    void aWorkerTakesTheTaskOnce_withItsInput_andItsAnswerIsTheTasksResult() {
        String activity = activity();
        String execution = SFN.startExecution(r -> r.stateMachineArn(reviewing(activity, "")).input("{\"orderId\": \"o-1\"}"))
                .executionArn();

        GetActivityTaskResponse task = task(SFN, activity, "reviewer-1");
        assertThat(json(task.input())).isEqualTo(json("{\"orderId\": \"o-1\"}"));
        assertThat(SFN.getActivityTask(r -> r.activityArn(activity).workerName("reviewer-2")).taskToken())
                .as("taken once: the next poll finds nothing").isNull();
        SFN.sendTaskSuccess(r -> r.taskToken(task.taskToken()).output("{\"approved\": true}"));

        DescribeExecutionResponse done = ended(execution);
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(json(done.output())).isEqualTo(json("{\"orderId\": \"o-1\", \"review\": {\"approved\": true}}"));
        List<HistoryEvent> events = history(execution);
        assertThat(events).extracting(HistoryEvent::type).containsSubsequence(HistoryEventType.ACTIVITY_SCHEDULED,
                HistoryEventType.ACTIVITY_STARTED, HistoryEventType.ACTIVITY_SUCCEEDED);
        assertThat(events).filteredOn(e -> e.type() == HistoryEventType.ACTIVITY_SCHEDULED).singleElement().satisfies(e -> {
            assertThat(e.activityScheduledEventDetails().resource()).isEqualTo(activity);
            assertThat(json(e.activityScheduledEventDetails().input())).isEqualTo(json("{\"orderId\": \"o-1\"}"));
        });
        assertThat(events).filteredOn(e -> e.type() == HistoryEventType.ACTIVITY_STARTED).singleElement()
                .satisfies(e -> assertThat(e.activityStartedEventDetails().workerName()).isEqualTo("reviewer-1"));
        assertThat(events).filteredOn(e -> e.type() == HistoryEventType.ACTIVITY_SUCCEEDED).singleElement()
                .satisfies(e -> assertThat(json(e.activitySucceededEventDetails().output()))
                        .isEqualTo(json("{\"approved\": true}")));
    }

    @Test
    void aPollWaitingBeforeTheTaskIsScheduled_getsItWhenItComes() throws Exception {
        String activity = activity();
        String machine = reviewing(activity, "");
        CompletableFuture<GetActivityTaskResponse> waiting = CompletableFuture
                .supplyAsync(() -> SFN.getActivityTask(r -> r.activityArn(activity).workerName("early")));
        String execution = SFN.startExecution(r -> r.stateMachineArn(machine).input("{\"orderId\": \"o-2\"}")).executionArn();

        GetActivityTaskResponse task = waiting.get(20, TimeUnit.SECONDS);
        assertThat(task.taskToken()).as("the poll that waited got the task").isNotNull();
        SFN.sendTaskSuccess(r -> r.taskToken(task.taskToken()).output("{}"));
        assertThat(ended(execution).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    }

    @Test
    void aWorkersFailure_isTheTasksError_recordedAsActivityFailed_andCaught() {
        String activity = activity();
        String execution = SFN.startExecution(r -> r.stateMachineArn(reviewing(activity, "")).input("{\"orderId\": \"o-3\"}"))
                .executionArn();
        String token = task(SFN, activity, "reviewer").taskToken();

        SFN.sendTaskFailure(r -> r.taskToken(token).error("Review.Rejected").cause("the address is a PO box"));

        DescribeExecutionResponse done = ended(execution);
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(json(done.output()).path("failed"))
                .isEqualTo(json("{\"Error\": \"Review.Rejected\", \"Cause\": \"the address is a PO box\"}"));
        assertThat(history(execution)).filteredOn(e -> e.type() == HistoryEventType.ACTIVITY_FAILED).singleElement()
                .satisfies(e -> assertThat(e.activityFailedEventDetails().error()).isEqualTo("Review.Rejected"));
    }

    @Test
    void aWorkerThatStopsSendingHeartbeats_timesTheTaskOut_onTheClockTheTestMoves() {
        ControlledClockTest.clock("PUT", "", "{\"mode\": \"controlled\"}", 200);
        try {
            String activity = activity();
            String execution = SFN.startExecution(r -> r.stateMachineArn(reviewing(activity, "\"HeartbeatSeconds\": 60,"))
                    .input("{\"orderId\": \"o-4\"}")).executionArn();
            String token = task(SFN, activity, "reviewer").taskToken();
            ControlledClockTest.clock("POST", "/advance", "{\"by\": \"PT50S\"}", 200);
            SFN.sendTaskHeartbeat(r -> r.taskToken(token));
            ControlledClockTest.clock("POST", "/advance", "{\"by\": \"PT50S\"}", 200);
            assertThat(SFN.describeExecution(r -> r.executionArn(execution)).status()).as("the heartbeat gave it 60 s more")
                    .isEqualTo(ExecutionStatus.RUNNING);

            ControlledClockTest.clock("POST", "/advance", "{\"by\": \"PT11S\"}", 200);

            DescribeExecutionResponse done = ended(execution);
            assertThat(json(done.output()).path("failed").path("Error").asText()).isEqualTo("States.Timeout");
            assertThat(history(execution)).extracting(HistoryEvent::type).contains(HistoryEventType.ACTIVITY_TIMED_OUT);
        } finally {
            ControlledClockTest.clock("PUT", "", "{\"mode\": \"system\"}", 200);
        }
    }

    @Test
    void aTaskOfAnActivityThatDoesNotExist_failsWithActivityDoesNotExist_asActivityScheduleFailed() {
        String gone = activity();
        String machine = reviewing(gone, "");
        SFN.deleteActivity(r -> r.activityArn(gone));

        String execution = SFN.startExecution(r -> r.stateMachineArn(machine).input("{\"orderId\": \"o-5\"}")).executionArn();

        DescribeExecutionResponse done = ended(execution);
        assertThat(json(done.output()).path("failed").path("Error").asText()).isEqualTo("ActivityDoesNotExist");
        assertThat(history(execution)).extracting(HistoryEvent::type).contains(HistoryEventType.ACTIVITY_SCHEDULE_FAILED);
    }

    @Test
    void theTaskOfAStoppedExecution_isGivenToNoWorker() {
        String activity = activity();
        String execution = SFN.startExecution(r -> r.stateMachineArn(reviewing(activity, "")).input("{\"orderId\": \"o-6\"}"))
                .executionArn();
        await().atMost(Duration.ofSeconds(20)).until(() -> history(execution).stream()
                .anyMatch(e -> e.type() == HistoryEventType.ACTIVITY_SCHEDULED));
        SFN.stopExecution(r -> r.executionArn(execution).error("Cancelled"));

        assertThat(SFN.getActivityTask(r -> r.activityArn(activity).workerName("late")).taskToken()).isNull();
        assertThat(history(execution)).noneMatch(e -> e.type() == HistoryEventType.ACTIVITY_STARTED);
    }

    /** The task was scheduled by an engine process killed since (SIGKILL): a worker polling this one gets it. */
    @Test
    void aTaskScheduledByAnEngineKilledSince_isTakenFromTheNextOne_andItsAnswerEndsTheExecution() throws Exception {
        String activity = activity();
        String machine = reviewing(activity, "");
        DevChild engine = DevChild.start("activity-crash-engine", "sagaline.local.queues.poll=false");
        String execution;
        try (SfnClient there = SfnClient.builder().endpointOverride(URI.create(engine.url())).region(Region.US_EAST_1)
                .httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .build()) {
            execution = there.startExecution(r -> r.stateMachineArn(machine).input("{\"orderId\": \"o-7\"}")).executionArn();
            await().atMost(Duration.ofSeconds(30)).until(() -> there.getExecutionHistory(r -> r.executionArn(execution))
                    .events().stream().anyMatch(e -> e.type() == HistoryEventType.ACTIVITY_SCHEDULED));
        } finally {
            engine.killNine();
        }

        GetActivityTaskResponse task = task(SFN, activity, "survivor");
        SFN.sendTaskSuccess(r -> r.taskToken(task.taskToken()).output("{\"approved\": true}"));

        DescribeExecutionResponse done = ended(execution);
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(json(done.output()).path("review")).isEqualTo(json("{\"approved\": true}"));
        assertThat(history(execution)).filteredOn(e -> e.type() == HistoryEventType.ACTIVITY_STARTED).singleElement()
                .satisfies(e -> assertThat(e.activityStartedEventDetails().workerName()).isEqualTo("survivor"));
    }
}
