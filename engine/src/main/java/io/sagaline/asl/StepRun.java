package io.sagaline.asl;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.sagaline.asl.query.JsonPaths;
import io.sagaline.asl.query.JsonataQueries;
import io.sagaline.asl.query.PathScope;
import io.sagaline.asl.states.FanOut;
import io.sagaline.asl.states.State;
import io.sagaline.asl.states.Step;

/**
 * One state's run in run {@code epoch} of an execution: the {@link Step} a state is given. It moves the
 * execution's cursor (entry, exit, retries), records each transition in the history as AWS names it, and refuses
 * to go on once the run has been ended from outside ({@link Interpreter.Abandoned}).
 */
final class StepRun implements Step {

    private final Interpreter engine;
    private final Execution execution;
    private final int epoch;
    private JsonNode context;
    private PathScope paths;
    private JsonataQueries.Bindings bindings;

    StepRun(Interpreter engine, Execution execution, int epoch) {
        this.engine = engine;
        this.execution = execution;
        this.epoch = epoch;
    }

    private State state() {
        return execution.machine().state(execution.position().state());
    }

    @Override
    public JsonNode input() {
        return execution.position().input();
    }

    @Override
    public JsonNode context() {
        if (context == null) {
            ObjectNode c = Interpreter.object();
            c.putObject("Execution").put("Id", execution.arn()).put("Name", execution.name())
                    .put("StartTime", execution.startDate().toString()).set("Input", execution.input());
            Position at = execution.position();
            c.putObject("State").put("Name", at.state()).put("EnteredTime", at.enteredTime().toString())
                    .put("RetryCount", at.retryCount());
            c.putObject("StateMachine").put("Id", execution.stateMachineArn()).put("Name", execution.machine().name());
            if (at.callback() != null) {
                c.putObject("Task").put("Token", at.callback().token());
            }
            context = c;
        }
        return context;
    }

    @Override
    public PathScope paths() {
        if (paths == null) {
            paths = new PathScope(input(), context(), execution::variable);
        }
        return paths;
    }

    @Override
    public JsonataQueries.Bindings bindings() {
        if (bindings == null) {
            bindings = new JsonataQueries.Bindings(input(), context(), null, null, execution.visibleVariables(), engine.clock);
        }
        return bindings;
    }

    @Override
    public Instant enteredTime() {
        return execution.position().enteredTime();
    }

    @Override
    public Instant now() {
        return engine.clock.instant();
    }

    @Override
    public void inspect(String step, JsonNode data) {
        engine.observer.inspected(execution, execution.position().state(), step, data);
    }

    @Override
    public void assign(ObjectNode values) {
        execution.pendingAssign = values;
    }

    @Override
    public void next(String next, JsonNode output) {
        execution.atomically(() -> { // for a branch: a sibling's commit sees the exit with the entry after it
            recordExit(output);
            abandonIfEnded();
            place(next, output);
        });
    }

    @Override
    public void end(JsonNode output) {
        Instant now = now();
        execution.atomically(() -> {
            recordExit(output);
            execution.finish(Execution.Status.SUCCEEDED, output, null, null, now, execution.isBranch() ? () -> {
            }
                    : () -> execution.record(now, "ExecutionSucceeded", "executionSucceededEventDetails",
                            Interpreter.object().put("output", output.toString())));
        });
    }

    @Override
    public void fail(String error, String cause) {
        Instant now = now();
        execution.finish(Execution.Status.FAILED, null, error, cause, now, execution.isBranch() ? () -> {
        }
                : () -> execution.record(now, "ExecutionFailed", "executionFailedEventDetails",
                        Interpreter.errorDetails(error, cause)));
    }

    @Override
    public StatesFailure located(StatesFailure failure) {
        Position at = execution.position();
        return failure.locatedAt(at.state(), at.enteredEventId());
    }

    @Override
    public int attempts(int retrier) {
        return execution.position().attempts(retrier);
    }

    @Override
    public void retrying(int retrier, String error, Duration delay) {
        Position retried = execution.position().retried(retrier); // a Parallel or Map retried runs every branch again
        execution.moveTo(retried);
        engine.trace(execution, "resumed").retried(error, retried.retryCount(), delay);
        engine.observer.retried(execution, retried.state(), error);
    }

    @Override
    public void caught(String error, String cause, String next) {
        engine.trace(execution, "resumed").caught(error, cause, next);
    }

    /** AWS's longest TimeoutSeconds, which a Task without one has. */
    private static final long DEFAULT_TIMEOUT_SECONDS = 99_999_999;

    @Override
    public Waiting waiting() {
        Position.Callback callback = execution.position().callback();
        if (callback == null) {
            return null;
        }
        return new Waiting(callback.token(), callback.outcome(), callback.due(),
                callback.heartbeatDue() != null && callback.heartbeatDue().isBefore(callback.timeoutDue()),
                callback.submitted());
    }

    @Override
    public String awaitToken(Integer timeoutSeconds, Integer heartbeatSeconds) {
        Instant now = now();
        String token = TaskTokens.token(execution);
        Position.Callback callback = new Position.Callback(token,
                now.plusSeconds(timeoutSeconds == null ? DEFAULT_TIMEOUT_SECONDS : timeoutSeconds), heartbeatSeconds,
                heartbeatSeconds == null ? null : now.plusSeconds(heartbeatSeconds), false, null);
        execution.moveTo(execution.position().withCallback(callback));
        context = null;
        paths = null;
        bindings = null;
        return token;
    }

    @Override
    public void waitEnded(String resource, JsonNode output, StatesFailure failure) {
        boolean activity = io.sagaline.asl.states.TaskState.activity(resource);
        String kind = activity ? "Activity" : "Task";
        ObjectNode details = activity ? Interpreter.object() : Integration.of(resource).details();
        if (failure == null) {
            details.put("output", StatesFailure.withinLimit(output.toString(), resource));
            if (activity) {
                details.putObject("outputDetails").put("truncated", false);
            }
            execution.record(now(), kind + "Succeeded", activity ? "activitySucceededEventDetails"
                    : "taskSucceededEventDetails", details);
        } else {
            recordFailure(kind, details, failure); // a missed heartbeat is States.Timeout, as AWS records it
        }
        execution.moveTo(execution.position().withCallback(null));
    }

    /**
     * A service integration's resource ({@code arn:aws:states:::lambda:invoke.waitForTaskToken}) as AWS names it in
     * the history: its resourceType ({@code lambda}) and resource ({@code invoke.waitForTaskToken}); null for a
     * Lambda function's ARN, whose events are LambdaFunction*.
     */
    record Integration(String resourceType, String resource) {
        static final String PREFIX = "arn:aws:states:::";

        static Integration of(String resource) {
            if (!resource.startsWith(PREFIX)) {
                return null;
            }
            String rest = resource.substring(PREFIX.length());
            // lambda:invoke, states:startExecution.sync:2, aws-sdk:s3:listBuckets
            int colon = rest.indexOf(':', rest.startsWith("aws-sdk:") ? "aws-sdk:".length() : 0);
            return colon < 0 ? new Integration(rest, rest)
                    : new Integration(rest.substring(0, colon), rest.substring(colon + 1));
        }

        ObjectNode details() {
            return Interpreter.object().put("resourceType", resourceType).put("resource", resource);
        }
    }

    @Override
    public JsonNode invoke(String resource, JsonNode payload, Integer timeoutSeconds) {
        if (io.sagaline.asl.states.TaskState.activity(resource)) {
            return scheduleActivity(resource, payload, timeoutSeconds);
        }
        Integration integration = Integration.of(resource);
        if (integration != null) {
            return invokeIntegration(integration, resource, payload, timeoutSeconds);
        }
        ObjectNode scheduled = Interpreter.object().put("resourceType", "lambda").put("resource", resource)
                .put("input", payload.toString());
        if (timeoutSeconds != null) {
            scheduled.put("timeoutInSeconds", timeoutSeconds);
        }
        execution.record(now(), "LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails", scheduled);
        execution.record(now(), "LambdaFunctionStarted", null, null);
        // A transactional task's work and this transition commit together, after it: nothing to commit before.
        ExecutionStore.Transaction transaction = null;
        if (!execution.isBranch() && engine.tasks.transactional(resource)) {
            try {
                transaction = engine.store.begin();
            } catch (RuntimeException e) {
                execution.stalled = true; // as a failed commit: it goes on from the store when resumed
                throw e;
            }
            if (transaction != null && !execution.open(transaction, epoch)) {
                transaction.rollback(); // another run's is still open: this attempt commits on its own
                transaction = null;
            }
        }
        if (transaction == null) {
            engine.commit(execution, epoch);
        }
        JsonNode result;
        Span attempt = engine.trace(execution, "resumed").task(resource, execution.position().retryCount() + 1, now());
        try (Scope ignored = attempt.makeCurrent()) {
            if (transaction != null) {
                result = engine.tasks.invoke(resource, payload, timeoutSeconds, transaction);
            } else {
                result = engine.tasks.invoke(call(resource, payload, timeoutSeconds));
            }
        } catch (StatesFailure failure) {
            // A failed transactional task leaves nothing: what follows (its retry, its catcher, the end) commits alone.
            execution.rollback(epoch);
            attemptFailed(attempt, failure, "LambdaFunction", Interpreter.object());
            throw failure;
        } catch (RuntimeException | Error e) {
            attempt.setStatus(StatusCode.ERROR, String.valueOf(e));
            attempt.end(now());
            throw e;
        }
        attempt.end(now());
        abandonIfEnded();
        String written;
        try {
            written = StatesFailure.withinLimit(result.toString(), resource);
        } catch (StatesFailure tooLarge) {
            execution.rollback(epoch); // a transactional task's work goes with its result
            throw tooLarge;
        }
        execution.record(now(), "LambdaFunctionSucceeded", "lambdaFunctionSucceededEventDetails",
                Interpreter.object().put("output", written));
        return result;
    }

    private Interpreter.TaskInvoker.Call call(String resource, JsonNode payload, Integer timeoutSeconds) {
        Position at = execution.position();
        return new Interpreter.TaskInvoker.Call(execution.arn(), at.state(), at.retryCount(), resource, payload,
                timeoutSeconds, at.callback() == null ? null : at.callback().token());
    }

    /**
     * A task attempt failed: its span says so and, unless the failure is the engine's own (States.Runtime), the
     * history records it as {@code <kind>TimedOut} or {@code <kind>Failed} ({@code LambdaFunction}, {@code Task}),
     * with {@code details} and the error and cause.
     */
    private void attemptFailed(Span attempt, StatesFailure failure, String kind, ObjectNode details) {
        attempt.setStatus(StatusCode.ERROR, failure.error());
        attempt.setAttribute(ExecutionTrace.ERROR, failure.error());
        attempt.end(now());
        abandonIfEnded();
        if (!StatesFailure.RUNTIME.equals(failure.error())) {
            recordFailure(kind, details, failure);
        }
    }

    /** A task's failure in the history: {@code <kind>TimedOut} for States.Timeout, else {@code <kind>Failed}. */
    private void recordFailure(String kind, ObjectNode details, StatesFailure failure) {
        String outcome = StatesFailure.TIMEOUT.equals(failure.error()) ? "TimedOut" : "Failed";
        details.setAll(Interpreter.errorDetails(failure.error(), failure.cause()));
        execution.record(now(), kind + outcome,
                Character.toLowerCase(kind.charAt(0)) + kind.substring(1) + outcome + "EventDetails", details);
    }

    /**
     * An activity's task: ActivityScheduled (with its input and deadlines), committed before the invoker queues the
     * task for the activity's workers (ActivityScheduleFailed if it cannot); the task then waits for its token's
     * answer, ActivityStarted recorded when a worker takes it ({@link Interpreter#activityStarted}).
     */
    private JsonNode scheduleActivity(String resource, JsonNode payload, Integer timeoutSeconds) {
        ObjectNode scheduled = Interpreter.object().put("resource", resource).put("input", payload.toString());
        scheduled.putObject("inputDetails").put("truncated", false);
        execution.record(now(), "ActivityScheduled", "activityScheduledEventDetails", withDeadlines(scheduled, timeoutSeconds));
        engine.commit(execution, epoch);
        JsonNode result = attempt(resource, payload, timeoutSeconds, "ActivitySchedule", Interpreter.object());
        submitted();
        return result;
    }

    /** A task's deadlines in its scheduled event: its TimeoutSeconds and, for a callback, its HeartbeatSeconds. */
    private ObjectNode withDeadlines(ObjectNode scheduled, Integer timeoutSeconds) {
        if (timeoutSeconds != null) {
            scheduled.put("timeoutInSeconds", timeoutSeconds);
        }
        Position.Callback callback = execution.position().callback();
        if (callback != null && callback.heartbeatSeconds() != null) {
            scheduled.put("heartbeatInSeconds", callback.heartbeatSeconds());
        }
        return scheduled;
    }

    /**
     * One attempt of a task's call, in its span; a failure is recorded as {@code <kind>Failed} or {@code <kind>TimedOut}
     * with {@code details}, and thrown.
     */
    private JsonNode attempt(String resource, JsonNode payload, Integer timeoutSeconds, String kind, ObjectNode details) {
        JsonNode result;
        Span attempt = engine.trace(execution, "resumed").task(resource, execution.position().retryCount() + 1, now());
        try (Scope ignored = attempt.makeCurrent()) {
            result = engine.tasks.invoke(call(resource, payload, timeoutSeconds));
        } catch (StatesFailure failure) {
            attemptFailed(attempt, failure, kind, details);
            throw failure;
        }
        attempt.end(now());
        abandonIfEnded();
        return result;
    }

    /** The callback's token is out: the task waits for its answer, which may have come meanwhile (it is kept). */
    private void submitted() {
        execution.atomically(() -> {
            Position at = execution.position();
            if (at.callback() != null) {
                execution.moveTo(at.withCallback(at.callback().asSubmitted()));
            }
        });
    }

    /**
     * A service integration: TaskScheduled (with the parameters), TaskStarted, then TaskSucceeded with its result or,
     * for the callback pattern, TaskSubmitted (the task then waits for its token's answer); TaskFailed or TaskTimedOut
     * when the call fails. Committed before the call, as a Lambda task's scheduling is.
     */
    private JsonNode invokeIntegration(Integration integration, String resource, JsonNode payload, Integer timeoutSeconds) {
        ObjectNode scheduled = integration.details().put("region", engine.tasks.region()).put("parameters",
                payload.toString());
        Position.Callback callback = execution.position().callback();
        execution.record(now(), "TaskScheduled", "taskScheduledEventDetails", withDeadlines(scheduled, timeoutSeconds));
        execution.record(now(), "TaskStarted", "taskStartedEventDetails", integration.details());
        engine.commit(execution, epoch);
        JsonNode result = attempt(resource, payload, timeoutSeconds, "Task", integration.details());
        String written = StatesFailure.withinLimit(result.toString(), resource);
        boolean submitted = callback != null;
        if (submitted) {
            submitted();
        }
        execution.record(now(), submitted ? "TaskSubmitted" : "TaskSucceeded",
                submitted ? "taskSubmittedEventDetails" : "taskSucceededEventDetails",
                integration.details().put("output", written));
        return result;
    }

    /**
     * Parallel and Map. On entry every branch (Parallel) or item (Map) gets its input and the state hands the
     * execution over to them; the last of them to end brings it back here, where their outputs, in order, become
     * the state's result, or the first failure its error. After a crash the branches go on where their committed
     * positions left them (a failure committed before it fails the state again); after a redrive, only the branches
     * that had not succeeded run again, from their start.
     */
    @Override
    public FanOut.Outcome fanOut(FanOut state, Supplier<FanOut.Plan> planned) {
        FanOutRun running = execution.fanout;
        if (running != null && running.run != epoch) {
            running = null; // left by a run that was stopped, timed out or redriven
        }
        if (running == null) {
            FanOut.Plan plan = planned.get();
            String inputsDigest = digest(plan);
            Branches committed = execution.position().branches();
            if (committed == null || !inputsDigest.equals(committed.inputs())) {
                // Fresh, or the inputs are not those the committed ends were computed from (an ItemSelector
                // with $uuid() or $now(), say): every branch runs.
                execution.atomically(() -> {
                    execution.moveTo(execution.position().withBranches(Branches.fresh(inputsDigest, plan.inputs().size())));
                    if (state.map()) {
                        execution.record(now(), "MapStateStarted", "mapStateStartedEventDetails",
                                Interpreter.object().put("length", plan.inputs().size()));
                    } else {
                        execution.record(now(), "ParallelStateStarted", null, null);
                    }
                });
                engine.commit(execution, epoch);
            }
            running = new FanOutRun(engine, execution, epoch, execution.position().state(), state.map(), plan);
            execution.fanout = running;
            if (running.start()) {
                return null;
            }
        } else if (!running.closed()) {
            return null;
        }
        execution.fanout = null;
        StatesFailure failure = running.failure();
        if (failure != null) {
            execution.record(now(), state.type() + "StateFailed", null, null);
            return new FanOut.Outcome(failure, null);
        }
        ArrayNode result = JsonPaths.MAPPER.createArrayNode();
        Position at = execution.position();
        for (JsonNode end : at.branches().ends()) {
            result.add(end.has("output") ? end.get("output")
                    : Interpreter.object().put("Error", end.path("error").asText(null)).put("Cause",
                            end.path("cause").asText(null)));
        }
        execution.record(now(), state.type() + "StateSucceeded", null, null); // the branches go with the next state's entry
        return new FanOut.Outcome(null, result);
    }

    /** What the branches' inputs were, to know after a crash or redrive whether their committed ends still belong to them. */
    private static String digest(FanOut.Plan plan) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(plan.inputs().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A task came back, or a state is left, in a run that was ended from outside meanwhile: it is not heard. */
    private void abandonIfEnded() {
        if (!execution.live(epoch)) {
            throw new Interpreter.Abandoned();
        }
    }

    /** Moves the cursor into {@code stateName} with {@code input}, recording the state's entry. */
    void place(String stateName, JsonNode input) {
        State state = execution.machine().state(stateName);
        Position entered = Position.entered(stateName, input, now(), state.retriers());
        execution.fanout = null;
        execution.pendingAssign = null;
        ObjectNode details = Interpreter.object().put("name", stateName).put("input", input.toString());
        engine.trace(execution, "resumed").entered(stateName, state.type(), entered.enteredTime());
        execution.enter(entered, entered.enteredTime(), state.type() + "StateEntered", "stateEnteredEventDetails", details);
    }

    /** Records the state's exit; what it assigned becomes visible now, to the states after it. */
    private void recordExit(JsonNode output) {
        String state = execution.position().state();
        ObjectNode details = Interpreter.object().put("name", state).put("output",
                StatesFailure.withinLimit(output.toString(), state));
        ObjectNode assigned = execution.pendingAssign;
        execution.pendingAssign = null;
        if (assigned != null) {
            execution.assign(assigned);
            ObjectNode variables = details.putObject("assignedVariables");
            assigned.fields().forEachRemaining(v -> variables.put(v.getKey(), v.getValue().toString()));
            details.putObject("assignedVariablesDetails").put("truncated", false);
        }
        execution.record(now(), state().type() + "StateExited", "stateExitedEventDetails", details);
        engine.trace(execution, "resumed").exited(now());
    }
}
