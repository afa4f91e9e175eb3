package io.sagaline.asl.testing;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.databind.JsonNode;

import io.sagaline.asl.Interpreter;
import io.sagaline.asl.StatesFailure;

/**
 * A task invoker for tests: per resource, the answers its invocations get, in call order. The script is an
 * object from resource to a list of answers, each {@code {"result": ...}} or {@code {"error": ..., "cause": ...}},
 * optionally with {@code "expectInput"} (the payload the task must be given) and {@code "expectTimeout"} (its
 * TimeoutSeconds). An invocation with no answer left, or with another payload than expected, fails with an
 * {@link AssertionError} thrown on the engine's thread, which ends the execution's run there.
 */
public final class ScriptedTasks implements Interpreter.TaskInvoker {

    private final Map<String, Deque<JsonNode>> answers = new HashMap<>();
    private final List<String> mismatches = new ArrayList<>();

    public ScriptedTasks(JsonNode script) {
        script.fields().forEachRemaining(e -> {
            Deque<JsonNode> queue = new ArrayDeque<>();
            e.getValue().forEach(queue::add);
            answers.put(e.getKey(), queue);
        });
    }

    @Override
    public synchronized JsonNode invoke(String resource, JsonNode payload, Integer timeoutSeconds) {
        Deque<JsonNode> queue = answers.get(resource);
        if (queue == null || queue.isEmpty()) {
            throw mismatch("unexpected invocation of " + resource + " with " + payload);
        }
        JsonNode answer = queue.poll();
        if (answer.has("expectInput") && !answer.get("expectInput").equals(payload)) {
            throw mismatch("input of " + resource + ": expected " + answer.get("expectInput") + " but was " + payload);
        }
        if (answer.has("expectTimeout") && !Objects.equals(timeoutSeconds, answer.get("expectTimeout").asInt())) {
            throw mismatch(
                    "timeout of " + resource + ": expected " + answer.get("expectTimeout") + " but was " + timeoutSeconds);
        }
        if (answer.has("error")) {
            throw new StatesFailure(answer.get("error").asText(), answer.path("cause").asText(null));
        }
        return answer.get("result");
    }

    /**
     * @throws AssertionError when an invocation did not match the script, or an answer was not used
     */
    public synchronized void assertAllUsed() {
        List<String> problems = new ArrayList<>(mismatches);
        answers.forEach((resource, rest) -> {
            if (!rest.isEmpty()) {
                problems.add(rest.size() + " unused answer(s) of " + resource + ": " + rest);
            }
        });
        if (!problems.isEmpty()) {
            throw new AssertionError(String.join("; ", problems));
        }
    }

    private AssertionError mismatch(String problem) {
        mismatches.add(problem);
        return new AssertionError(problem);
    }
}
