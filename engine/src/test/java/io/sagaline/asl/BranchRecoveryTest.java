package io.sagaline.asl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;

import io.sagaline.asl.testing.VirtualTime;

/**
 * Every transition inside a Parallel or Map is durable, not only a branch's end: an engine that dies while a
 * branch waits, backs off or runs a later state leaves that branch's position committed, and the engine that
 * resumes the execution goes on from there, without running the branch's earlier states again and with only
 * what is left of its wait.
 */
class BranchRecoveryTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String F = "arn:aws:lambda:us-east-1:000000000000:function:f";
    private static final String ARN = "arn:aws:states:us-east-1:000000000000:execution:m:e";
    private static final Instant START = Instant.parse("2026-06-01T10:00:00Z");

    @Test
    void aBranchWaitingWhenItsEngineDies_goesOnWithTheRestOfItsWait_withoutRunningItsEarlierStatesAgain()
            throws Exception {
        StateMachine machine = StateMachine.parse("m",
                JSON.readTree(
                        """
                                {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": true, "Branches": [
                                  {"StartAt": "Prepare", "States": {
                                    "Prepare": {"Type": "Task", "Resource": "%1$s", "Parameters": {"step": "prepare"}, "ResultPath": "$.prepared", "Next": "Pause"},
                                    "Pause": {"Type": "Wait", "Seconds": 3600, "Next": "Finish"},
                                    "Finish": {"Type": "Task", "Resource": "%1$s", "Parameters": {"step": "finish", "prepared.$": "$.prepared"}, "End": true}}},
                                  {"StartAt": "Quick", "States": {
                                    "Quick": {"Type": "Task", "Resource": "%1$s", "Parameters": {"step": "quick"}, "End": true}}}]}}}"""
                                .formatted(F)));
        MemoryStore store = new MemoryStore();
        List<String> before = new ArrayList<>();
        VirtualTime dying = new VirtualTime(START);
        new Interpreter(recording(before), dying, dying.clock(), store).start(ARN, "e", "m-arn", machine,
                JSON.readTree("{}"));
        dying.runFor(Duration.ofMinutes(10)); // both branches run; the first one is 10 minutes into its hour
        assertThat(before).containsExactlyInAnyOrder("prepare", "quick");
        // The engine dies here: nothing of `dying` runs again.

        Execution restored = store.restore(machine);
        List<String> after = new ArrayList<>();
        VirtualTime taker = new VirtualTime(START.plus(Duration.ofMinutes(25)));
        new Interpreter(recording(after), taker, taker.clock(), store).resume(restored);
        taker.runFor(Duration.ofMinutes(34));
        assertThat(after).as("nothing runs again, and the wait is not over before its hour").isEmpty();
        assertThat(taker.delays()).as("only what was left of the wait").contains(Duration.ofMinutes(35));

        taker.runFor(Duration.ofMinutes(2));
        assertThat(after).containsExactly("finish");
        assertThat(restored.status()).isEqualTo(Execution.Status.SUCCEEDED);
        assertThat(restored.output()).isEqualTo(JSON.readTree("""
                ["finish after prepare", "quick"]"""));
        List<HistoryEvent> history = store.history();
        assertThat(entered(history, "Prepare")).as("the branch's earlier states are not entered again").isEqualTo(1);
        assertThat(entered(history, "Pause")).isEqualTo(1);
        assertThat(entered(history, "Quick")).isEqualTo(1);
        assertThat(history).extracting(HistoryEvent::id).as("one history, numbered without gaps across the crash")
                .containsExactlyElementsOf(LongStream.rangeClosed(1, history.size()).boxed().toList());
    }

    @Test
    void aMapIterationBackingOffInANestedParallelWhenItsEngineDies_keepsItsRetryCountAndItsVariables()
            throws Exception {
        StateMachine machine = StateMachine.parse("m", JSON.readTree("""
                {"StartAt": "Each", "States": {"Each": {"Type": "Map", "End": true, "ItemsPath": "$.items",
                  "ItemProcessor": {"StartAt": "Tag", "States": {
                    "Tag": {"Type": "Pass", "Assign": {"tag.$": "States.Format('item {}', $)"}, "Next": "Inner"},
                    "Inner": {"Type": "Parallel", "End": true, "Branches": [{"StartAt": "Work", "States": {
                      "Work": {"Type": "Task", "Resource": "%s", "End": true,
                        "Parameters": {"step.$": "$tag", "retry.$": "$$.State.RetryCount"},
                        "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 600, "MaxAttempts": 2}]}}}]}}}}}}"""
                .formatted(F)));
        MemoryStore store = new MemoryStore();
        List<String> before = new ArrayList<>();
        VirtualTime dying = new VirtualTime(START);
        new Interpreter((resource, payload, timeout) -> {
            before.add(payload.get("step").asText() + " try " + payload.get("retry").asInt());
            if (payload.get("step").asText().equals("item 2")) {
                throw new StatesFailure("Busy", "come back later");
            }
            return payload.get("step");
        }, dying, dying.clock(), store).start(ARN, "e", "m-arn", machine, JSON.readTree("{\"items\": [1, 2]}"));
        dying.runFor(Duration.ofMinutes(1)); // item 2 failed once and backs off for ten minutes

        Execution restored = store.restore(machine);
        List<String> after = new ArrayList<>();
        VirtualTime taker = new VirtualTime(START.plus(Duration.ofMinutes(4)));
        new Interpreter((resource, payload, timeout) -> {
            after.add(payload.get("step").asText() + " try " + payload.get("retry").asInt());
            return payload.get("step");
        }, taker, taker.clock(), store).resume(restored);
        taker.runFor(Duration.ofMinutes(10));

        assertThat(before).containsExactlyInAnyOrder("item 1 try 0", "item 2 try 0");
        assertThat(after).as("the retry goes on as the retrier's second attempt, with the variable assigned before")
                .containsExactly("item 2 try 1");
        assertThat(restored.status()).isEqualTo(Execution.Status.SUCCEEDED);
        assertThat(restored.output()).isEqualTo(JSON.readTree("[[\"item 1\"], [\"item 2\"]]"));
        assertThat(store.history().stream().filter(e -> e.type().equals("MapIterationStarted")).count())
                .as("no iteration starts again").isEqualTo(2);
    }

    private static Interpreter.TaskInvoker recording(List<String> calls) {
        return (resource, payload, timeout) -> {
            String step = payload.get("step").asText();
            calls.add(step);
            return switch (step) {
                case "prepare" -> TextNode.valueOf("prepare");
                case "finish" -> TextNode.valueOf("finish after " + payload.get("prepared").asText());
                default -> TextNode.valueOf(step);
            };
        };
    }

    private static long entered(List<HistoryEvent> history, String state) {
        return history.stream().filter(e -> e.type().endsWith("StateEntered") && e.details().get("name").asText().equals(state))
                .count();
    }

    /** A store that keeps one execution's last commit and every event committed, as a database would. */
    private static final class MemoryStore implements ExecutionStore {
        private final Map<String, Execution.Commit> last = new HashMap<>();
        private final List<HistoryEvent> events = new ArrayList<>();

        @Override
        public synchronized void commit(Execution.Commit commit) {
            last.put(commit.arn(), commit);
            events.addAll(commit.events());
        }

        synchronized Execution restore(StateMachine machine) {
            return Execution.restore(last.get(ARN), machine, List.copyOf(events));
        }

        synchronized List<HistoryEvent> history() {
            return List.copyOf(events);
        }
    }

}
