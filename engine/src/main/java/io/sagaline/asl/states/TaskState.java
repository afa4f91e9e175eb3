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

    /** The resource suffix of the callback pattern: the task's end is the answer to its token. */
    public static final String WAIT_FOR_TASK_TOKEN = ".waitForTaskToken";
    /**
     * The resource suffix of the run-a-job pattern ({@code .sync}, {@code .sync:2}): the task ends when the job does,
     * which the integration reports by answering the task's token, as a worker answers a callback's.
     */
    public static final String SYNC = ".sync";
    public static final String HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout";

    private final String resource;
    private final JsonNode timeoutSeconds;
    private final Path timeoutSecondsPath;
    private final JsonNode heartbeatSeconds;
    private final Path heartbeatSecondsPath;
    private final boolean callback;

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
        this.heartbeatSeconds = heartbeat;
        this.heartbeatSecondsPath = d.path("HeartbeatSecondsPath");
        this.callback = resource.endsWith(WAIT_FOR_TASK_TOKEN) || sync(resource) || activity(resource);
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

    /** Whether {@code resource} is of the run-a-job pattern: it ends in {@code .sync} or {@code .sync:<version>}. */
    public static boolean sync(String resource) {
        return resource.endsWith(SYNC) || resource.contains(SYNC + ":");
    }

    /**
     * Whether {@code resource} is an activity's ARN ({@code arn:aws:states:<region>:<account>:activity:<name>}): the
     * task waits on its token, which a worker takes with GetActivityTask and answers with SendTask*.
     */
    public static boolean activity(String resource) {
        return resource.startsWith("arn:") && resource.contains(":states:") && resource.contains(":activity:");
    }

    /** The resource as it is written: with {@code .waitForTaskToken}, a callback Task; with {@code .sync}, a job's. */
    public String resource() {
        return resource;
    }

    @Override
    public Duration run(Step s) {
        if (callback) {
            Step.Waiting waiting = s.waiting();
            if (waiting != null && (waiting.submitted() || waiting.answer() != null)) {
                return waited(s, waiting);
            }
            // else not begun, or begun by an engine that died before the integration took the token: (again) now
        }
        JsonNode payload;
        Integer timeout;
        try {
            timeout = timeout(s);
            if (callback && s.waiting() == null) {
                s.awaitToken(timeout, seconds(s, heartbeatSeconds, heartbeatSecondsPath, "HeartbeatSeconds"));
            }
            payload = query.payload(s, query.effectiveInput(s));
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
        if (callback) {
            return waited(s, s.waiting()); // the answer may have come already
        }
        return succeeded(s, result);
    }

    /** A callback Task once its token is out: its answer, a deadline passed, or how long it may still wait. */
    private Duration waited(Step s, Step.Waiting waiting) {
        JsonNode answer = waiting.answer();
        if (answer != null && answer.has("output")) {
            s.waitEnded(resource, answer.get("output"), null);
            return succeeded(s, answer.get("output"));
        }
        StatesFailure failure;
        if (answer != null) {
            failure = new StatesFailure(answer.path("error").asText(null), answer.path("cause").asText(null));
        } else {
            Duration left = Duration.between(s.now(), waiting.due());
            if (!left.isNegative() && !left.isZero()) {
                return left;
            }
            failure = waiting.heartbeat() ? new HeartbeatMissed() : new StatesFailure(StatesFailure.TIMEOUT, null);
        }
        s.waitEnded(resource, null, failure);
        return recover(s, failure);
    }

    /**
     * A heartbeat missed: States.Timeout in the history and to the execution, as AWS records it (LocalStack's
     * recordings of AWS), which a Retry or Catch also matches as States.HeartbeatTimeout (AWS: that name is "only
     * available inside the Catch and Retry fields").
     */
    static final class HeartbeatMissed extends StatesFailure {
        HeartbeatMissed() {
            super(StatesFailure.TIMEOUT, null);
        }
    }

    /** TimeoutSeconds (in JSONata maybe an expression), or TimeoutSecondsPath read from the raw input: a positive integer. */
    private Integer timeout(Step s) {
        return seconds(s, timeoutSeconds, timeoutSecondsPath, "TimeoutSeconds");
    }

    private Integer seconds(Step s, JsonNode seconds, Path path, String field) {
        JsonNode value = query.setting(s, seconds, path, s.input(), field);
        if (value == null) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() <= 0) {
            throw query.wrong(field + " is " + value + ", not a positive integer");
        }
        return value.asInt();
    }
}
