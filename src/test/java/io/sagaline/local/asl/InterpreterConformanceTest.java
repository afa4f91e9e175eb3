package io.sagaline.local.asl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagaline.support.ManualClock;

/**
 * The interpreter against the behaviour AWS documents: each file in {@code asl-cases/} is a
 * definition, an input, the scripted answers of its tasks and the expected outcome (output or
 * error, the waits taken, the states entered). A new case is one new file.
 */
class InterpreterConformanceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path CASES = Paths.get("src/test/resources/asl-cases");

    static Stream<Path> cases() throws IOException {
        return Files.list(CASES).filter(p -> p.toString().endsWith(".json")).sorted();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void behavesAsAwsDocuments(Path file) throws IOException {
        JsonNode c = JSON.readTree(file.toFile());
        JsonNode expect = c.get("expect");
        if (expect.has("invalid")) {
            var thrown = assertThatThrownBy(() -> StateMachine.parse("test", c.get("definition")))
                    .isInstanceOf(AslDefinitionException.class);
            expect.get("invalid").forEach(part -> thrown.hasMessageContaining(part.asText()));
            return;
        }
        StateMachine machine = StateMachine.parse("test", c.get("definition"));
        ManualClock clock = new ManualClock(Instant.parse("2026-11-22T00:00:00Z"));
        InlineScheduler scheduler = new InlineScheduler(clock);
        ScriptedTasks tasks = new ScriptedTasks(c.path("tasks"));

        Execution execution = new Interpreter(tasks, scheduler, clock).start(
                "arn:aws:states:us-east-1:000000000000:execution:test:exec-1", "exec-1",
                "arn:aws:states:us-east-1:000000000000:stateMachine:test", machine, c.get("input"));
        scheduler.drain();

        assertThat(execution.status().name()).as("status (error %s: %s)", execution.error(), execution.cause())
                .isEqualTo(expect.get("status").asText());
        if (expect.has("output")) {
            assertThat(execution.output()).as("output").isEqualTo(expect.get("output"));
        }
        if (expect.has("error")) {
            assertThat(execution.error()).as("error").isEqualTo(expect.get("error").asText());
        }
        if (expect.has("cause")) {
            assertThat(execution.cause()).as("cause").isEqualTo(expect.get("cause").asText());
        }
        if (expect.has("causeContains")) {
            assertThat(execution.cause()).as("cause").contains(expect.get("causeContains").asText());
        }
        if (expect.has("delaysMillis")) {
            List<Long> delays = new ArrayList<>();
            expect.get("delaysMillis").forEach(d -> delays.add(d.asLong()));
            assertThat(scheduler.delays).as("waits").isEqualTo(delays);
        }
        if (expect.has("states")) {
            List<String> states = new ArrayList<>();
            expect.get("states").forEach(s -> states.add(s.asText()));
            assertThat(execution.history().stream().filter(e -> e.type().endsWith("StateEntered"))
                    .map(e -> e.details().get("name").asText())).as("states entered").isEqualTo(states);
        }
        tasks.assertAllUsed();
        assertHistoryIsWellFormed(execution);
    }

    /** Ids run 1..n, each event points at the one before, and it opens and closes as AWS's do. */
    private static void assertHistoryIsWellFormed(Execution execution) {
        List<HistoryEvent> history = execution.history();
        for (int i = 0; i < history.size(); i++) {
            assertThat(history.get(i).id()).isEqualTo(i + 1);
            assertThat(history.get(i).previousEventId()).isEqualTo(i);
        }
        assertThat(history.get(0).type()).isEqualTo("ExecutionStarted");
        assertThat(history.get(history.size() - 1).type()).isEqualTo(switch (execution.status()) {
            case SUCCEEDED -> "ExecutionSucceeded";
            case TIMED_OUT -> "ExecutionTimedOut";
            default -> "ExecutionFailed";
        });
    }

    /** Task answers scripted per resource, in call order; checks what the task was given. */
    static final class ScriptedTasks implements Interpreter.TaskInvoker {
        private final Map<String, Deque<JsonNode>> answers = new HashMap<>();

        ScriptedTasks(JsonNode script) {
            script.fields().forEachRemaining(e -> {
                Deque<JsonNode> queue = new ArrayDeque<>();
                e.getValue().forEach(queue::add);
                answers.put(e.getKey(), queue);
            });
        }

        @Override
        public JsonNode invoke(String resource, JsonNode payload, Integer timeoutSeconds) {
            Deque<JsonNode> queue = answers.get(resource);
            if (queue == null || queue.isEmpty()) {
                fail("unexpected invocation of " + resource + " with " + payload);
            }
            JsonNode answer = queue.poll();
            if (answer.has("expectInput")) {
                assertThat(payload).as("input of " + resource).isEqualTo(answer.get("expectInput"));
            }
            if (answer.has("expectTimeout")) {
                assertThat(timeoutSeconds).as("timeout of " + resource).isEqualTo(answer.get("expectTimeout").asInt());
            }
            if (answer.has("error")) {
                throw new StatesFailure(answer.get("error").asText(), answer.path("cause").asText(null));
            }
            return answer.get("result");
        }

        void assertAllUsed() {
            answers.forEach((resource, rest) -> assertThat(rest).as("unused answers of " + resource).isEmpty());
        }
    }

    /**
     * Runs scheduled work on the test thread in order of due time; a delay advances the virtual
     * clock instead of sleeping. {@code delays} lists every delay asked for, in the order asked.
     */
    static final class InlineScheduler implements Interpreter.Scheduler {
        private record Due(Instant at, long sequence, Runnable work) {
        }

        private final PriorityQueue<Due> work = new PriorityQueue<>(
                Comparator.comparing(Due::at).thenComparingLong(Due::sequence));
        private final ManualClock clock;
        private long sequence;
        final List<Long> delays = new ArrayList<>();

        InlineScheduler(ManualClock clock) {
            this.clock = clock;
        }

        @Override
        public void run(Runnable task) {
            work.add(new Due(clock.instant(), sequence++, task));
        }

        @Override
        public void after(Duration delay, Runnable task) {
            delays.add(delay.toMillis());
            work.add(new Due(clock.instant().plus(delay), sequence++, task));
        }

        void drain() {
            int steps = 0;
            while (!work.isEmpty()) {
                if (++steps > 10_000) {
                    fail("the execution does not end");
                }
                Due next = work.poll();
                if (next.at().isAfter(clock.instant())) {
                    clock.advance(Duration.between(clock.instant(), next.at()));
                }
                next.work().run();
            }
        }
    }

}
