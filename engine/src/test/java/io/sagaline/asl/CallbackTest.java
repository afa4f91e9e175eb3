package io.sagaline.asl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagaline.asl.testing.VirtualTime;

/**
 * The callback pattern ({@code .waitForTaskToken}): a Task hands out a token and waits, holding no thread, until
 * the token is answered (SendTaskSuccess, SendTaskFailure), its HeartbeatSeconds pass without a heartbeat, or its
 * TimeoutSeconds run out; the token's wait is committed, so an engine started after a crash is answered on it.
 * Time is the test's own: an hour of waiting takes no real time.
 */
class CallbackTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ARN = "arn:aws:states:us-east-1:000000000000:execution:m:e";
    private static final Instant START = Instant.parse("2026-06-01T10:00:00Z");
    private static final String CONFIRM = """
            {"StartAt": "Confirm", "States": {
              "Confirm": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                          %s
                          "Parameters": {"QueueUrl": "q", "MessageBody": {"order.$": "$.order", "token.$": "$$.Task.Token"}},
                          "ResultPath": "$.bank", "Next": "Done",
                          "Catch": [{"ErrorEquals": ["Bank.Refused"], "ResultPath": "$.refusal", "Next": "Refused"}]},
              "Refused": {"Type": "Pass", "Result": "refused", "ResultPath": "$.outcome", "End": true},
              "Done": {"Type": "Pass", "End": true}}}""";

    /** The messages the integration sent: each holds the token it was given. */
    private final List<JsonNode> sent = new ArrayList<>();

    private Interpreter.TaskInvoker sender() {
        return (resource, payload, timeout) -> {
            sent.add(payload);
            return JSON.createObjectNode().put("MessageId", "m-" + sent.size());
        };
    }

    private static StateMachine machine(String settings) throws Exception {
        return StateMachine.parse("m", JSON.readTree(CONFIRM.formatted(settings)));
    }

    private String token() {
        return sent.get(sent.size() - 1).path("MessageBody").path("token").asText();
    }

    @Test
    void aTokenAnsweredBySendTaskSuccess_isTheTasksResult_afterAWaitThatHeldNoThread() throws Exception {
        VirtualTime time = new VirtualTime(START);
        Interpreter engine = new Interpreter(sender(), time, time.clock());
        Execution execution = engine.start(ARN, "e", "m-arn", machine(""), JSON.readTree("{\"order\": 7}"));
        time.runFor(Duration.ofHours(1));

        assertThat(execution.status()).isEqualTo(Execution.Status.RUNNING);
        assertThat(sent).singleElement().satisfies(m -> assertThat(m.path("MessageBody").path("order").asInt()).isEqualTo(7));
        assertThat(engine.answer(execution, token(), JSON.readTree("{\"output\": {\"confirmed\": true}}"))).isTrue();
        time.runUntilIdle();

        assertThat(execution.status()).isEqualTo(Execution.Status.SUCCEEDED);
        assertThat(execution.output()).isEqualTo(JSON.readTree("{\"order\": 7, \"bank\": {\"confirmed\": true}}"));
        assertThat(execution.history()).extracting(HistoryEvent::type).containsSubsequence("TaskStateEntered",
                "TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded", "TaskStateExited");
        HistoryEvent scheduled = execution.history().stream().filter(e -> e.type().equals("TaskScheduled")).findFirst()
                .orElseThrow();
        assertThat(scheduled.details().get("resourceType").asText()).isEqualTo("sqs");
        assertThat(scheduled.details().get("resource").asText()).isEqualTo("sendMessage.waitForTaskToken");
        assertThat(scheduled.details().get("region").asText()).isEqualTo("us-east-1");
        assertThat(execution.history()).filteredOn(e -> e.type().equals("TaskSubmitted")).singleElement()
                .satisfies(e -> assertThat(e.details().get("output").asText()).contains("m-1"));
        assertThat(engine.answer(execution, token(), JSON.readTree("{\"output\": {}}")))
                .as("a token is answered once").isFalse();
    }

    @Test
    void sendTaskFailure_isTheTasksError_whichItsCatchRoutes() throws Exception {
        VirtualTime time = new VirtualTime(START);
        Interpreter engine = new Interpreter(sender(), time, time.clock());
        Execution execution = engine.start(ARN, "e", "m-arn", machine(""), JSON.readTree("{\"order\": 8}"));
        time.runFor(Duration.ofMinutes(1)); // not until idle: the task's own timeout (99,999,999 s) is due then

        engine.answer(execution, token(), JSON.readTree("{\"error\": \"Bank.Refused\", \"cause\": \"no funds\"}"));
        time.runUntilIdle();

        assertThat(execution.status()).isEqualTo(Execution.Status.SUCCEEDED);
        assertThat(execution.output().path("outcome").asText()).isEqualTo("refused");
        assertThat(execution.output().path("refusal")).isEqualTo(JSON.readTree(
                "{\"Error\": \"Bank.Refused\", \"Cause\": \"no funds\"}"));
        assertThat(execution.history()).filteredOn(e -> e.type().equals("TaskFailed")).singleElement()
                .satisfies(e -> assertThat(e.details().get("error").asText()).isEqualTo("Bank.Refused"));
    }

    @Test
    void heartbeatsKeepATaskAlive_andOneMissedFailsIt_asStatesTimeoutInItsHistory() throws Exception {
        VirtualTime time = new VirtualTime(START);
        Interpreter engine = new Interpreter(sender(), time, time.clock());
        Execution execution = engine.start(ARN, "e", "m-arn", machine("\"HeartbeatSeconds\": 60,"),
                JSON.readTree("{\"order\": 9}"));
        for (int i = 0; i < 5; i++) {
            time.runFor(Duration.ofSeconds(50));
            assertThat(engine.heartbeat(execution, token())).isTrue();
        }
        time.runFor(Duration.ofSeconds(59));
        assertThat(execution.status()).as("250 s in, each heartbeat within a minute of the last").isEqualTo(
                Execution.Status.RUNNING);

        time.runFor(Duration.ofSeconds(2));

        assertThat(execution.status()).isEqualTo(Execution.Status.FAILED);
        assertThat(execution.error()).as("as AWS records a heartbeat timeout").isEqualTo("States.Timeout");
        assertThat(execution.history()).filteredOn(e -> e.type().equals("TaskTimedOut")).singleElement()
                .satisfies(e -> assertThat(e.details().get("error").asText()).isEqualTo("States.Timeout"));
        assertThat(engine.answer(execution, token(), JSON.readTree("{\"output\": {}}")))
                .as("too late: the task timed out").isFalse();
        HistoryEvent scheduled = execution.history().stream().filter(e -> e.type().equals("TaskScheduled")).findFirst()
                .orElseThrow();
        assertThat(scheduled.details().get("heartbeatInSeconds").asInt()).isEqualTo(60);
    }

    @Test
    void aMissedHeartbeat_isCaughtAsStatesHeartbeatTimeout_butATimeoutIsNot() throws Exception {
        StateMachine machine = StateMachine.parse("m", JSON.readTree("""
                {"StartAt": "Confirm", "States": {
                  "Confirm": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                              "HeartbeatSeconds": 10, "TimeoutSeconds": 30,
                              "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
                              "Catch": [{"ErrorEquals": ["States.HeartbeatTimeout"], "Next": "NoHeartbeat"}],
                              "End": true},
                  "NoHeartbeat": {"Type": "Pass", "Result": "no heartbeat", "End": true}}}"""));
        VirtualTime time = new VirtualTime(START);
        Interpreter engine = new Interpreter(sender(), time, time.clock());
        Execution silent = engine.start(ARN, "e", "m-arn", machine, JSON.readTree("{}"));
        time.runFor(Duration.ofSeconds(11));
        assertThat(silent.status()).isEqualTo(Execution.Status.SUCCEEDED);
        assertThat(silent.output().asText()).isEqualTo("no heartbeat");

        Execution beating = engine.start(ARN + "2", "e2", "m-arn", machine, JSON.readTree("{}"));
        for (int i = 0; i < 4; i++) {
            time.runFor(Duration.ofSeconds(8));
            engine.heartbeat(beating, token());
        }
        assertThat(beating.status()).as("its TimeoutSeconds ran out: a timeout, which that Catch does not name")
                .isEqualTo(Execution.Status.FAILED);
        assertThat(beating.error()).isEqualTo("States.Timeout");
    }

    @Test
    void aTokenNotAnsweredWithinTimeoutSeconds_failsTheTaskWithStatesTimeout_andARetryGivesANewToken() throws Exception {
        VirtualTime time = new VirtualTime(START);
        Interpreter engine = new Interpreter(sender(), time, time.clock());
        StateMachine machine = StateMachine.parse("m", JSON.readTree(
                """
                        {"StartAt": "Confirm", "States": {
                          "Confirm": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                                      "TimeoutSeconds": 300, "Parameters": {"FunctionName": "f", "Payload": {"token.$": "$$.Task.Token"}},
                                      "Retry": [{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 1, "IntervalSeconds": 10}],
                                      "End": true}}}"""));
        Interpreter.TaskInvoker invoker = (resource, payload, timeout) -> {
            sent.add(payload.get("Payload"));
            return JSON.createObjectNode().put("StatusCode", 202);
        };
        engine = new Interpreter(invoker, time, time.clock());
        Execution execution = engine.start(ARN, "e", "m-arn", machine, JSON.readTree("{}"));
        time.runFor(Duration.ofSeconds(301));
        String first = sent.get(0).path("token").asText();
        time.runFor(Duration.ofSeconds(10));

        assertThat(sent).as("retried after its timeout, with a token of its own").hasSize(2);
        String second = sent.get(1).path("token").asText();
        assertThat(second).isNotEqualTo(first);
        assertThat(engine.answer(execution, first, JSON.readTree("{\"output\": 1}"))).isFalse();
        time.runFor(Duration.ofSeconds(300));

        assertThat(execution.status()).isEqualTo(Execution.Status.FAILED);
        assertThat(execution.error()).isEqualTo("States.Timeout");
        assertThat(time.delays()).contains(Duration.ofSeconds(300));
    }

    @Test
    void eachIterationOfAMap_waitsOnItsOwnToken() throws Exception {
        VirtualTime time = new VirtualTime(START);
        Interpreter engine = new Interpreter(sender(), time, time.clock());
        StateMachine machine = StateMachine.parse("m", JSON.readTree("""
                {"StartAt": "Each", "States": {"Each": {"Type": "Map", "ItemsPath": "$.orders", "End": true,
                  "ItemProcessor": {"StartAt": "Confirm", "States": {
                    "Confirm": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                                "Parameters": {"QueueUrl": "q", "MessageBody": {"order.$": "$", "token.$": "$$.Task.Token"}},
                                "End": true}}}}}}"""));
        Execution execution = engine.start(ARN, "e", "m-arn", machine, JSON.readTree("{\"orders\": [1, 2, 3]}"));
        time.runFor(Duration.ofMinutes(1));
        assertThat(sent).hasSize(3);

        Map<Integer, String> tokens = new HashMap<>();
        sent.forEach(m -> tokens.put(m.path("MessageBody").path("order").asInt(),
                m.path("MessageBody").path("token").asText()));
        for (int order : new int[] { 3, 1, 2 }) {
            assertThat(engine.answer(execution, tokens.get(order), JSON.readTree("{\"output\": \"ok " + order + "\"}")))
                    .isTrue();
            time.runFor(Duration.ofMinutes(1));
        }

        assertThat(execution.status()).isEqualTo(Execution.Status.SUCCEEDED);
        assertThat(execution.output()).isEqualTo(JSON.readTree("[\"ok 1\", \"ok 2\", \"ok 3\"]"));
    }

    @Test
    void aTokenOutlivesItsEngine_theNextOneIsAnsweredOnIt() throws Exception {
        StateMachine machine = machine("\"HeartbeatSeconds\": 3600,");
        MemoryStore store = new MemoryStore();
        VirtualTime dying = new VirtualTime(START);
        new Interpreter(sender(), dying, dying.clock(), store).start(ARN, "e", "m-arn", machine,
                JSON.readTree("{\"order\": 10}"));
        dying.runFor(Duration.ofMinutes(5));
        String token = token();
        // The engine dies here: nothing of `dying` runs again.

        VirtualTime next = new VirtualTime(START.plus(Duration.ofMinutes(20)));
        Interpreter taker = new Interpreter(sender(), next, next.clock(), store);
        Execution restored = store.restore(machine);
        taker.resume(restored);
        next.runFor(Duration.ofMinutes(10));
        assertThat(restored.status()).isEqualTo(Execution.Status.RUNNING);
        assertThat(sent).as("the message is not sent again").hasSize(1);
        assertThat(Interpreter.executionOf(token)).isEqualTo(ARN);

        assertThat(taker.answer(restored, token, JSON.readTree("{\"output\": \"confirmed\"}"))).isTrue();
        next.runUntilIdle();

        assertThat(restored.status()).isEqualTo(Execution.Status.SUCCEEDED);
        assertThat(restored.output().path("bank").asText()).isEqualTo("confirmed");
        assertThat(Interpreter.executionOf("not a token")).isNull();
    }

    @Test
    void anEngineDyingBeforeTheIntegrationTookTheToken_leavesItToTheNextOne_whichSendsTheSameToken() throws Exception {
        StateMachine machine = machine("");
        MemoryStore store = new MemoryStore();
        VirtualTime dying = new VirtualTime(START);
        List<String> firstTry = new ArrayList<>();
        new Interpreter((resource, payload, timeout) -> {
            firstTry.add(payload.path("MessageBody").path("token").asText());
            throw new ExecutionStore.Unavailable("the engine dies in the middle of the call", null);
        }, dying, dying.clock(), store).start(ARN, "e", "m-arn", machine, JSON.readTree("{\"order\": 11}"));
        dying.runFor(Duration.ofMinutes(1));

        VirtualTime next = new VirtualTime(START.plus(Duration.ofMinutes(5)));
        Interpreter taker = new Interpreter(sender(), next, next.clock(), store);
        Execution restored = store.restore(machine);
        taker.resume(restored);
        next.runFor(Duration.ofMinutes(1));

        assertThat(sent).as("sent again, with the token that was committed").singleElement()
                .satisfies(m -> assertThat(m.path("MessageBody").path("token").asText()).isEqualTo(firstTry.get(0)));
        assertThat(taker.answer(restored, token(), JSON.readTree("{\"output\": \"late but there\"}"))).isTrue();
        next.runFor(Duration.ofMinutes(1));
        assertThat(restored.status()).isEqualTo(Execution.Status.SUCCEEDED);
    }

    /** A store that keeps the execution's last commit and every event committed, as a database would. */
    private static final class MemoryStore implements ExecutionStore {
        private Execution.Commit last;
        private final List<HistoryEvent> events = new ArrayList<>();

        @Override
        public synchronized void commit(Execution.Commit commit) {
            last = commit;
            events.addAll(commit.events());
        }

        synchronized Execution restore(StateMachine machine) {
            return Execution.restore(last, machine, List.copyOf(events));
        }
    }
}
