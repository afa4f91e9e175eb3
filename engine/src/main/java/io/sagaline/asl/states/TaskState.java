package io.sagaline.asl.states;

import java.time.Duration;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import io.sagaline.asl.StatesFailure;

/** A Task: invokes its Resource with its payload, within its TimeoutSeconds, and goes on with the result. */
public final class TaskState extends Recoverable {

    private static final Set<String> JSONPATH = Set.of("Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters",
            "ResultSelector", "Resource", "Retry", "Catch", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds",
            "HeartbeatSecondsPath", "Credentials", "Assign");
    private static final Set<String> JSONATA = Set.of("Next", "End", "Resource", "Arguments", "Output", "Assign", "Retry",
            "Catch", "TimeoutSeconds", "HeartbeatSeconds", "Credentials");

    private final String resource;
    private final JsonNode timeoutSeconds;
    private final Path timeoutSecondsPath;

    TaskState(Definition d) {
        super(d.only("Task", JSONPATH, JSONATA), Query.parse(d, true, true, true));
        if (!d.json.path("Resource").isTextual()) {
            throw d.refused("Resource", "a Task needs a Resource URI");
        }
        this.resource = d.get("Resource").asText();
        this.timeoutSeconds = d.expression("TimeoutSeconds", d.positiveIntOrExpression("TimeoutSeconds"));
        d.eitherOr("TimeoutSeconds");
        this.timeoutSecondsPath = d.path("TimeoutSecondsPath");
        JsonNode heartbeat = d.expression("HeartbeatSeconds", d.positiveIntOrExpression("HeartbeatSeconds"));
        d.eitherOr("HeartbeatSeconds");
        d.path("HeartbeatSecondsPath");
        int timeout = timeoutSeconds != null && timeoutSeconds.isIntegralNumber() ? timeoutSeconds.asInt() : Integer.MAX_VALUE;
        if (heartbeat != null && heartbeat.isIntegralNumber() && heartbeat.asInt() >= timeout) {
            throw d.refused("HeartbeatSeconds", "must be smaller than TimeoutSeconds");
        }
    }

    @Override
    public String type() {
        return "Task";
    }

    @Override
    public boolean invokes() {
        return true;
    }

    @Override
    public Duration run(Step s) {
        JsonNode payload;
        Integer timeout;
        try {
            payload = query.payload(s, query.effectiveInput(s));
            timeout = timeout(s);
        } catch (StatesFailure failure) {
            if (!jsonata()) {
                throw failure;
            }
            return recover(s, failure);
        }
        JsonNode result;
        try {
            result = s.invoke(resource, payload, timeout);
        } catch (StatesFailure failure) {
            if (StatesFailure.RUNTIME.equals(failure.error())) {
                throw failure;
            }
            return recover(s, failure);
        }
        return succeeded(s, result);
    }

    /** TimeoutSeconds (in JSONata maybe an expression), or TimeoutSecondsPath read from the raw input: a positive integer. */
    private Integer timeout(Step s) {
        JsonNode value = query.setting(s, timeoutSeconds, timeoutSecondsPath, s.input(), "TimeoutSeconds");
        if (value == null) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() <= 0) {
            throw query.wrong("TimeoutSeconds is " + value + ", not a positive integer");
        }
        return value.asInt();
    }
}
