package io.sagaline.asl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagaline.asl.testing.ScriptedTasks;
import io.sagaline.asl.testing.VirtualTime;

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
        if (expect.has("invalid") || expect.has("code")) {
            var thrown = assertThatThrownBy(() -> StateMachine.parse("test", c.get("definition")))
                    .isInstanceOf(AslDefinitionException.class);
            expect.path("invalid").forEach(part -> thrown.hasMessageContaining(part.asText()));
            thrown.satisfies(e -> {
                AslDefinitionException refusal = (AslDefinitionException) e;
                if (expect.has("code")) {
                    assertThat(refusal.code()).as("code").isEqualTo(expect.get("code").asText());
                }
                if (expect.has("location")) {
                    assertThat(refusal.location()).as("location").isEqualTo(expect.get("location").asText());
                }
                if (expect.has("message")) {
                    assertThat(refusal.problem()).as("message").isEqualTo(expect.get("message").asText());
                }
            });
            return;
        }
        StateMachine machine = StateMachine.parse("test", c.get("definition"));
        VirtualTime time = new VirtualTime(Instant.parse("2026-11-22T00:00:00Z"));
        ScriptedTasks tasks = new ScriptedTasks(c.path("tasks"));

        Execution execution = new Interpreter(tasks, time, time.clock()).start(
                "arn:aws:states:us-east-1:000000000000:execution:test:exec-1", "exec-1",
                "arn:aws:states:us-east-1:000000000000:stateMachine:test", machine, c.get("input"));
        time.runUntilIdle();

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
            assertThat(time.delays()).as("waits").map(Duration::toMillis).isEqualTo(delays);
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
}
