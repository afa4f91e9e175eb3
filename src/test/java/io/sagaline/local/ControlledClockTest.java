package io.sagaline.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Time a test controls through the API (README, "Time you control"): with the clock controlled, a Wait of a day,
 * a retry's back-offs and a missed heartbeat happen when the test moves the clock, at once in real time, and the
 * history shows the clock's instants. No test here waits for anything: each advance answers once the work it set
 * off has come to rest, so the status read right after it is the execution's.
 */
@QuarkusTest
class ControlledClockTest {

    private static final SfnClient SFN = LocalAws.sfn("local", "local");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final String ROLE = "arn:aws:iam::000000000000:role/team-states";

    @Inject
    SqsClient sqs;

    /** The clock's time when the test began: what the test's instants are counted from. */
    private Instant start;

    @BeforeEach
    void controlTheClock() {
        JsonNode reading = clock("PUT", "", "{\"mode\": \"controlled\"}", 200);
        assertThat(reading.path("mode").asText()).isEqualTo("controlled");
        start = Instant.parse(reading.path("now").asText());
    }

    @AfterEach
    void giveTheClockBack() {
        assertThat(clock("PUT", "", "{\"mode\": \"system\"}", 200).path("mode").asText()).isEqualTo("system");
    }

    @AfterAll
    static void close() {
        SFN.close();
    }

    /**
     * A call of the clock's API as any HTTP client makes it, signed with SigV4 for the service "states" (as
     * {@code curl --aws-sigv4 "aws:amz:us-east-1:states"} signs it), with the test profile's key.
     */
    static JsonNode clock(String method, String path, String body, int expectedStatus) {
        URI uri = URI.create(LocalAwsClients.endpoint() + ClockApi.PATH + path);
        software.amazon.awssdk.http.SdkHttpRequest unsigned = software.amazon.awssdk.http.SdkHttpRequest.builder()
                .uri(uri).method(software.amazon.awssdk.http.SdkHttpMethod.fromValue(method))
                .putHeader("content-type", "application/json").build();
        software.amazon.awssdk.http.auth.spi.signer.SignedRequest signed = software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner
                .create()
                .sign(r -> r.identity(software.amazon.awssdk.identity.spi.AwsCredentialsIdentity.create("local", "local"))
                        .request(unsigned).payload(software.amazon.awssdk.http.ContentStreamProvider.fromUtf8String(body))
                        .putProperty(software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.SERVICE_SIGNING_NAME, "states")
                        .putProperty(software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.REGION_NAME, "us-east-1"));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.ofString(body));
        signed.request().forEachHeader((name, values) -> {
            if (!name.equalsIgnoreCase("host")) { // the client sends the same Host itself
                values.forEach(v -> request.header(name, v));
            }
        });
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(expectedStatus);
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static JsonNode advance(String duration) {
        return clock("POST", "/advance", "{\"by\": \"" + duration + "\"}", 200);
    }

    private static String machine(String definition) {
        String name = "clocked-" + UUID.randomUUID().toString().substring(0, 8);
        return SFN.createStateMachine(r -> r.name(name).roleArn(ROLE).definition(definition)).stateMachineArn();
    }

    private static String start(String machineArn) {
        return SFN.startExecution(r -> r.stateMachineArn(machineArn).input("{\"orderId\": \"o-1\"}")).executionArn();
    }

    private static DescribeExecutionResponse describe(String executionArn) {
        return SFN.describeExecution(r -> r.executionArn(executionArn));
    }

    private static List<HistoryEvent> history(String executionArn) {
        return SFN.getExecutionHistory(r -> r.executionArn(executionArn)).events();
    }

    /** Seconds of the clock from the test's start to each event of {@code type}. */
    private List<Long> secondsOf(String executionArn, HistoryEventType type) {
        return history(executionArn).stream().filter(e -> e.type() == type)
                .map(e -> Duration.between(start, e.timestamp()).toSeconds()).toList();
    }

    @Test
    void aWaitOfADay_endsWhenTheClockHasMovedADay_notASecondBefore_andTheHistoryShowsTheDay() {
        String execution = start(machine("""
                {"StartAt": "Cooling", "States": {
                   "Cooling": {"Type": "Wait", "Seconds": 86400, "Next": "Done"},
                   "Done": {"Type": "Pass", "End": true}}}"""));

        JsonNode almost = advance("PT23H59M59S");
        assertThat(describe(execution).status()).isEqualTo(ExecutionStatus.RUNNING);
        assertThat(almost.path("now").asText()).isEqualTo(start.plusSeconds(86399).toString());
        assertThat(Instant.parse(almost.path("nextDue").asText())).isBeforeOrEqualTo(start.plusSeconds(86400));

        advance("PT1S");
        DescribeExecutionResponse done = describe(execution);
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(done.startDate()).isEqualTo(start);
        assertThat(done.stopDate()).isEqualTo(start.plusSeconds(86400));
        assertThat(secondsOf(execution, HistoryEventType.WAIT_STATE_ENTERED)).containsExactly(0L);
        assertThat(secondsOf(execution, HistoryEventType.WAIT_STATE_EXITED)).containsExactly(86400L);
    }

    @Test
    void aWaitUntilATimestamp_endsWhenTheClockIsMovedToIt() {
        Instant opening = start.plus(Duration.ofDays(30)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        String execution = start(machine("""
                {"StartAt": "UntilTheSale", "States": {
                   "UntilTheSale": {"Type": "Wait", "Timestamp": "%s", "Next": "Done"},
                   "Done": {"Type": "Pass", "End": true}}}""".formatted(opening)));

        JsonNode moved = clock("POST", "/advance", "{\"to\": \"" + opening + "\"}", 200);

        assertThat(moved.path("now").asText()).isEqualTo(opening.toString());
        assertThat(describe(execution).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(describe(execution).stopDate()).isEqualTo(opening);
    }

    @Test
    void retryBackOffs_happenAtTheirIntervalsOnTheClock_thenTheCatchTakesOver() {
        // An unknown function fails each attempt with Lambda.ResourceNotFoundException, at once.
        String execution = start(machine("""
                {"StartAt": "Charge", "States": {
                   "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                              "Parameters": {"FunctionName": "no-such-function", "Payload.$": "$"},
                              "Retry": [{"ErrorEquals": ["Lambda.ResourceNotFoundException"],
                                         "IntervalSeconds": 60, "MaxAttempts": 3, "BackoffRate": 2}],
                              "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "GaveUp"}],
                              "End": true},
                   "GaveUp": {"Type": "Pass", "End": true}}}"""));

        advance("PT179S"); // the first two back-offs (60 s, 120 s) are due by 180 s
        assertThat(describe(execution).status()).isEqualTo(ExecutionStatus.RUNNING);
        assertThat(secondsOf(execution, HistoryEventType.TASK_SCHEDULED)).containsExactly(0L, 60L);

        advance("PT1H");
        assertThat(describe(execution).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(secondsOf(execution, HistoryEventType.TASK_SCHEDULED)).containsExactly(0L, 60L, 180L, 420L);
        assertThat(secondsOf(execution, HistoryEventType.PASS_STATE_ENTERED)).containsExactly(420L);
        assertThat(describe(execution).output()).contains("Lambda.ResourceNotFoundException");
    }

    @Test
    void aMissedHeartbeat_isCaughtWhenTheClockPassesHeartbeatSeconds() throws IOException {
        String queue = sqs.createQueue(r -> r.queueName("silent-" + UUID.randomUUID().toString().substring(0, 8)))
                .queueUrl();
        String execution = start(machine("""
                {"StartAt": "AwaitBank", "States": {
                   "AwaitBank": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                                 "HeartbeatSeconds": 600, "TimeoutSeconds": 86400,
                                 "Parameters": {"QueueUrl": "%s", "MessageBody": {"taskToken.$": "$$.Task.Token"}},
                                 "Catch": [{"ErrorEquals": ["States.HeartbeatTimeout"], "ResultPath": "$.silent",
                                            "Next": "Silent"}],
                                 "End": true},
                   "Silent": {"Type": "Pass", "End": true}}}""".formatted(queue)));

        advance("PT9M59S");
        assertThat(describe(execution).status()).isEqualTo(ExecutionStatus.RUNNING);
        advance("PT1S");

        assertThat(describe(execution).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(secondsOf(execution, HistoryEventType.TASK_TIMED_OUT)).containsExactly(600L);
        assertThat(JSON.readTree(describe(execution).output()).has("silent")).isTrue();
    }

    @Test
    void anExecutionStaysOnTheControlledClock_whenTheEngineGoesBackToTheSystemClock() {
        String execution = start(machine("""
                {"StartAt": "Cooling", "States": {
                   "Cooling": {"Type": "Wait", "Seconds": 3600, "End": true}}}"""));
        assertThat(clock("PUT", "", "{\"mode\": \"system\"}", 200).path("mode").asText()).isEqualTo("system");

        advance("PT1H");

        assertThat(describe(execution).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(describe(execution).stopDate()).isEqualTo(start.plusSeconds(3600));
    }

    @Test
    void theClockRefusesToGoBack_badRequests_andCallsThatAreNotSigned() {
        assertThat(clock("POST", "/advance", "{\"by\": \"-PT1S\"}", 400).path("message").asText()).contains("not negative");
        assertThat(clock("POST", "/advance", "{\"to\": \"" + start.minusSeconds(1) + "\"}", 400).path("message").asText())
                .contains("does not go back");
        assertThat(clock("POST", "/advance", "{\"by\": \"PT1S\", \"to\": \"" + start + "\"}", 400).path("message")
                .asText()).contains("either by");
        assertThat(clock("POST", "/advance", "{\"by\": \"an hour\"}", 400).path("message").asText())
                .contains("ISO-8601 duration");
        assertThat(clock("PUT", "", "{\"mode\": \"virtual\"}", 400).path("message").asText())
                .isEqualTo("mode is controlled or system");
        assertThat(clock("PUT", "", "[1]", 400).path("message").asText()).isEqualTo("the body is a JSON object");

        // work waits on the clock: it cannot go back, or what is due would run before what was scheduled after it
        start(machine("""
                {"StartAt": "Cooling", "States": {"Cooling": {"Type": "Wait", "Seconds": 60, "End": true}}}"""));
        assertThat(clock("PUT", "", "{\"mode\": \"controlled\", \"now\": \"" + start.minusSeconds(3600) + "\"}", 409)
                .path("message").asText()).contains("cannot go back");
        assertThat(clock("GET", "", "", 200).path("now").asText()).isEqualTo(start.toString());

        HttpRequest unsigned = HttpRequest.newBuilder(URI.create(LocalAwsClients.endpoint() + ClockApi.PATH)).GET().build();
        try {
            assertThat(HTTP.send(unsigned, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(403);
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
