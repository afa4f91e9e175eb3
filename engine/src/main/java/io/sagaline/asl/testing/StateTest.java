package io.sagaline.asl.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.asl.AslDefinitionException;
import io.sagaline.asl.Execution;
import io.sagaline.asl.HistoryEvent;
import io.sagaline.asl.Interpreter;
import io.sagaline.asl.StateMachine;
import io.sagaline.asl.StatesFailure;
import io.sagaline.asl.query.JsonPaths;

/**
 * One state run on its own, as AWS's TestState API runs it: the state (given alone, or by name in a
 * whole definition) gets an input, its task is performed or mocked (a result, or an error and cause),
 * and the answer says how the state ended (SUCCEEDED, FAILED, CAUGHT_ERROR, RETRIABLE), with its
 * output, the next state, and the data after each of its processing steps. The state runs in a
 * machine of its own whose every transition target is a Succeed state, on a clock of its own: a
 * retry is reported, not waited for, and a Wait does not wait.
 */
public final class StateTest {

    /** How the state ended, in TestState's words. */
    public enum Status {
        SUCCEEDED,
        FAILED,
        RETRIABLE,
        CAUGHT_ERROR
    }

    /** A task's answer instead of its resource's: a result, or an error and a cause. */
    public record Mock(JsonNode result, String error, String cause) {
    }

    /** Which retrier or catcher took an error, and a retry's back-off. */
    public record ErrorDetails(Integer retryIndex, Long retryBackoffIntervalSeconds, Integer catchIndex) {
    }

    /**
     * What the state did: its status, output (for SUCCEEDED and CAUGHT_ERROR), error and cause, the state it goes
     * to next (null at an end), the data after each of its steps (input first), and the retrier or catcher that
     * took its error.
     */
    public record Result(Status status, JsonNode output, String error, String cause, String nextState,
            Map<String, JsonNode> inspection, ErrorDetails errorDetails) {
    }

    private static final Instant START = Instant.parse("2000-01-01T00:00:00Z");

    private StateTest() {
    }

    /**
     * Runs state {@code stateName} of {@code definition} (a whole machine; null: its StartAt), or {@code definition}
     * itself when it is one state (no {@code States} field), on {@code input}. Its task is answered by {@code mock}
     * if given, else performed by {@code tasks}.
     *
     * @throws AslDefinitionException if the state is not one AWS accepts
     */
    public static Result run(JsonNode definition, String stateName, JsonNode input, Mock mock,
            Interpreter.TaskInvoker tasks) {
        return run(definition, stateName, input, mock, 0, tasks);
    }

    /**
     * {@link #run(JsonNode, String, JsonNode, Mock, Interpreter.TaskInvoker)} of a state that has been retried
     * {@code retries} times already (TestState's {@code stateConfiguration.retrierRetryCount}): an error its Retry
     * takes is RETRIABLE, with the back-off the next retry would wait, until that retrier's MaxAttempts are spent.
     */
    public static Result run(JsonNode definition, String stateName, JsonNode input, Mock mock, int retries,
            Interpreter.TaskInvoker tasks) {
        String name;
        JsonNode state;
        String queryLanguage = null;
        if (definition.has("States")) {
            name = stateName != null ? stateName : definition.path("StartAt").asText();
            state = definition.path("States").get(name);
            if (state == null) {
                throw new AslDefinitionException(AslDefinitionException.MISSING_TRANSITION_TARGET, "/States",
                        "State '" + name + "' is not in the definition", "stateName");
            }
            if (definition.has("QueryLanguage")) {
                queryLanguage = definition.get("QueryLanguage").asText();
            }
            StateMachine.parse("test-state", definition); // the whole definition must be valid too
        } else {
            name = stateName != null ? stateName : "TestState";
            state = definition;
        }
        JsonNode retry = state.path("Retry");
        boolean jsonata = "JSONata".equals(state.has("QueryLanguage") ? state.get("QueryLanguage").asText() : queryLanguage);
        state = state.deepCopy();
        ((ObjectNode) state).remove("Retry"); // an error is reported as retriable, not retried
        ObjectNode machine = JsonPaths.MAPPER.createObjectNode();
        if (queryLanguage != null) {
            machine.put("QueryLanguage", queryLanguage);
        }
        machine.put("StartAt", name);
        ObjectNode states = machine.putObject("States");
        states.set(name, state);
        for (String target : targets(state)) {
            if (!target.equals(name)) {
                states.putObject(target).put("Type", "Succeed");
            }
        }
        StateMachine parsed = StateMachine.parse("test-state", machine);

        Map<String, JsonNode> inspection = new LinkedHashMap<>();
        inspection.put("input", input);
        Interpreter.Observer observer = new Interpreter.Observer() {
            @Override
            public void inspected(Execution execution, String s, String step, JsonNode data) {
                if (s.equals(name)) {
                    inspection.put(step, data);
                }
            }
        };
        Interpreter[] engine = new Interpreter[1];
        Execution[] running = new Execution[1];
        Interpreter.TaskInvoker invoker = mock == null ? tasks : new Interpreter.TaskInvoker() {
            @Override
            public JsonNode invoke(String resource, JsonNode payload, Integer timeout) {
                if (mock.error() != null) {
                    throw new StatesFailure(mock.error(), mock.cause());
                }
                return mock.result();
            }

            @Override
            public JsonNode invoke(Call call) {
                JsonNode result = invoke(call.resource(), call.payload(), call.timeoutSeconds());
                if (call.taskToken() == null) {
                    return result;
                }
                // a mocked callback's result is the task's, as if its token were answered with it
                engine[0].answer(running[0], call.taskToken(), JsonPaths.MAPPER.createObjectNode().set("output", result));
                return JsonPaths.MAPPER.createObjectNode();
            }
        };
        VirtualTime time = new VirtualTime(START);
        engine[0] = new Interpreter(invoker, time, time.clock(), io.sagaline.asl.ExecutionStore.NONE,
                io.opentelemetry.api.trace.TracerProvider.noop().get("test-state"), observer);
        Execution execution = engine[0].start("arn:aws:states:us-east-1:000000000000:execution:test-state:test", "test",
                "arn:aws:states:us-east-1:000000000000:stateMachine:test-state", parsed, input);
        running[0] = execution;
        time.runFor(Duration.ZERO);
        if (execution.status() == Execution.Status.RUNNING && "Wait".equals(state.path("Type").asText())) {
            time.runUntilIdle(); // a Wait does not wait: its time is this test's own
        }
        shown(inspection, state, jsonata);
        return outcome(execution, state, name, retry, retries, inspection);
    }

    /** The inspection data AWS shows for the state's type (as LocalStack recorded it from AWS). */
    private static void shown(Map<String, JsonNode> inspection, JsonNode state, boolean jsonata) {
        String type = state.path("Type").asText();
        if (jsonata) {
            inspection.keySet().retainAll(Set.of("input", "afterArguments"));
        } else if (type.equals("Pass") && state.has("Result")) {
            inspection.keySet().removeAll(Set.of("afterInputPath", "afterParameters"));
        } else if (type.equals("Pass")) {
            inspection.remove("result");
        } else if (Set.of("Choice", "Fail", "Succeed").contains(type)) {
            inspection.putIfAbsent("afterInputPath", inspection.get("input"));
            inspection.keySet().retainAll(Set.of("input", "afterInputPath"));
        }
    }

    private static Result outcome(Execution execution, JsonNode state, String name, JsonNode retry, int retries,
            Map<String, JsonNode> inspection) {
        List<HistoryEvent> history = execution.history();
        StatesFailure failure = lastFailure(history);
        Integer retryIndex = null;
        if (failure != null) {
            int index = matching(retry, failure.error());
            if (index >= 0) {
                retryIndex = index;
                JsonNode retrier = retry.get(index);
                if (retries < retrier.path("MaxAttempts").asInt(3)) {
                    double interval = retrier.path("IntervalSeconds").asDouble(1)
                            * Math.pow(retrier.path("BackoffRate").asDouble(2.0), retries);
                    if (retrier.has("MaxDelaySeconds")) {
                        interval = Math.min(interval, retrier.get("MaxDelaySeconds").asDouble());
                    }
                    return new Result(Status.RETRIABLE, null, failure.error(), failure.cause(), null, inspection,
                            new ErrorDetails(index, (long) interval, null));
                }
            }
        }
        String next = null;
        JsonNode output = null;
        for (HistoryEvent e : history) {
            if (e.type().endsWith("StateEntered") && !name.equals(e.details().path("name").asText())) {
                next = e.details().path("name").asText();
                output = parse(e.details().path("input").asText());
                break;
            }
        }
        if (execution.status() == Execution.Status.FAILED && next == null) {
            return new Result(Status.FAILED, null, execution.error(), execution.cause(), null, inspection,
                    retryIndex == null ? null : new ErrorDetails(retryIndex, null, null));
        }
        if (next == null) {
            output = execution.output();
        }
        if (failure != null && next != null) {
            int index = matching(state.path("Catch"), failure.error());
            return new Result(Status.CAUGHT_ERROR, output, failure.error(), failure.cause(), next, inspection,
                    new ErrorDetails(retryIndex, null, index < 0 ? null : index));
        }
        return new Result(Status.SUCCEEDED, output, null, null, next, inspection, null);
    }

    /** The last failure a task reported in the history (for a caught or retried error's cause). */
    private static StatesFailure lastFailure(List<HistoryEvent> history) {
        StatesFailure last = null;
        for (HistoryEvent e : history) {
            if ((e.type().endsWith("Failed") || e.type().endsWith("TimedOut")) && e.details() != null
                    && e.details().has("error") && !e.type().startsWith("Execution")) {
                last = new StatesFailure(e.details().path("error").asText(), e.details().path("cause").asText(null));
            }
        }
        return last;
    }

    /** The index of the first Retry or Catch entry whose ErrorEquals names {@code error}, as the engine matches; -1 if none. */
    private static int matching(JsonNode entries, String error) {
        for (int i = 0; i < entries.size(); i++) {
            List<String> names = new java.util.ArrayList<>();
            entries.get(i).path("ErrorEquals").forEach(n -> names.add(n.asText()));
            if (io.sagaline.asl.states.Errors.matches(names, error)) {
                return i;
            }
        }
        return -1;
    }

    /** Every state the state may go to: Next, a Choice's rules and Default, each Catch's Next. */
    private static Set<String> targets(JsonNode state) {
        Set<String> targets = new LinkedHashSet<>();
        if (state.path("Next").isTextual()) {
            targets.add(state.get("Next").asText());
        }
        if (state.path("Default").isTextual()) {
            targets.add(state.get("Default").asText());
        }
        for (JsonNode rule : state.path("Choices")) {
            if (rule.path("Next").isTextual()) {
                targets.add(rule.get("Next").asText());
            }
        }
        for (JsonNode catcher : state.path("Catch")) {
            if (catcher.path("Next").isTextual()) {
                targets.add(catcher.get("Next").asText());
            }
        }
        return targets;
    }

    private static JsonNode parse(String json) {
        try {
            return JsonPaths.MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
