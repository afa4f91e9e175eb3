package io.sagaline.local.asl;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Runs ASL state machines as AWS Step Functions does: input and output processing (InputPath,
 * Parameters with the context object, ResultSelector, ResultPath, OutputPath), Retry with
 * back-off and Catch routing. Every transition is appended to the execution's history before
 * the next one is taken; waits (Wait states, retry back-off) hand the execution back to the
 * scheduler instead of holding a thread.
 */
public final class Interpreter {

    private static final Logger LOG = Logger.getLogger(Interpreter.class);

    /** Runs a Task's resource: returns its result or throws a {@link StatesFailure} named as AWS names it. */
    public interface TaskInvoker {
        JsonNode invoke(String resource, JsonNode payload, Integer timeoutSeconds);
    }

    /** Where executions run: now, or after a delay. */
    public interface Scheduler {
        void run(Runnable work);

        void after(Duration delay, Runnable work);
    }

    private final TaskInvoker tasks;
    private final Scheduler scheduler;
    private final Clock clock;
    private final ExecutionStore store;

    public Interpreter(TaskInvoker tasks, Scheduler scheduler, Clock clock) {
        this(tasks, scheduler, clock, ExecutionStore.NONE);
    }

    public Interpreter(TaskInvoker tasks, Scheduler scheduler, Clock clock, ExecutionStore store) {
        this.tasks = tasks;
        this.scheduler = scheduler;
        this.clock = clock;
        this.store = store;
    }

    /**
     * Goes on with an execution restored from the store, where its last commit left it: a wait or
     * back-off resumes when it was due, a state that was under way is run again (a task may thus
     * be invoked twice, never skipped).
     */
    public void resume(Execution execution) {
        if (execution.status() != Execution.Status.RUNNING) {
            return;
        }
        int epoch = execution.epoch();
        Duration due = execution.resumeAt == null ? Duration.ZERO : Duration.between(clock.instant(), execution.resumeAt);
        if (due.isNegative() || due.isZero()) {
            scheduler.run(() -> advance(execution, epoch));
        } else {
            scheduler.after(due, () -> advance(execution, epoch));
        }
        scheduleMachineTimeout(execution, epoch);
    }

    /** The run a worker thread is advancing: a cursor move of an abandoned run is refused. */
    private static final ThreadLocal<Integer> RUN = new ThreadLocal<>();

    /** The run this worker was advancing has been ended from outside (stop, timeout) or redriven. */
    private static final class Abandoned extends RuntimeException {
        Abandoned() {
            super(null, null, false, false);
        }
    }

    private void commit(Execution execution) {
        Integer run = RUN.get();
        commit(execution, run == null ? execution.epoch() : run);
    }

    private void commit(Execution execution, int epoch) {
        if (!execution.commitTo(store, epoch)) {
            throw new Abandoned();
        }
    }

    public Execution start(String executionArn, String name, String stateMachineArn, StateMachine machine,
            JsonNode input) {
        Execution execution = new Execution(executionArn, name, stateMachineArn, machine, input, clock.instant());
        ObjectNode details = object().put("input", input.toString());
        details.putObject("inputDetails").put("truncated", false);
        execution.record(execution.startDate(), "ExecutionStarted", "executionStartedEventDetails", details);
        enter(execution, machine.startAt(), input);
        int epoch = execution.epoch();
        commit(execution, epoch);
        scheduleMachineTimeout(execution, epoch);
        scheduler.run(() -> advance(execution, epoch));
        return execution;
    }

    /** The machine's TimeoutSeconds, counted from the start or, after a redrive, from the redrive (as AWS does). */
    private void scheduleMachineTimeout(Execution execution, int epoch) {
        JsonNode definition = execution.machine().definition();
        if (definition.has("TimeoutSeconds")) {
            long seconds = definition.get("TimeoutSeconds").asLong();
            Instant from = execution.redriveDate() != null ? execution.redriveDate() : execution.startDate();
            Duration left = Duration.between(clock.instant(), from.plusSeconds(seconds));
            scheduler.after(left.isNegative() ? Duration.ZERO : left, () -> timeOut(execution, seconds, epoch));
        }
    }

    /** The machine's TimeoutSeconds ran out: the execution ends TIMED_OUT; a task in flight finishes unheard. */
    private void timeOut(Execution execution, long seconds, int epoch) {
        timeOut(execution, "the execution ran longer than the state machine's TimeoutSeconds (" + seconds + ")", epoch);
    }

    /** A limit of the engine's own ran out (an EXPRESS execution's five minutes): the execution ends TIMED_OUT. */
    public void timeOut(Execution execution, String cause) {
        timeOut(execution, cause, execution.epoch());
    }

    private void timeOut(Execution execution, String cause, int epoch) {
        Instant now = clock.instant();
        int ended = execution.endFromOutside(Execution.Status.TIMED_OUT, StatesFailure.TIMEOUT, cause, now,
                () -> execution.record(now, "ExecutionTimedOut", "executionTimedOutEventDetails",
                        errorDetails(StatesFailure.TIMEOUT, cause)),
                epoch);
        if (ended >= 0) {
            try {
                commit(execution, ended);
            } catch (RuntimeException e) {
                LOG.errorf(e, "execution %s: its timeout could not be committed", execution.arn());
            }
        }
    }

    /**
     * RedriveExecution, as AWS does it: an execution that FAILED, TIMED_OUT or was ABORTED goes on
     * from the state where it stopped, with the input that state had; an ExecutionRedriven event
     * marks the moment.
     */
    public boolean redrive(Execution execution) {
        Instant now = clock.instant();
        boolean reopened = execution.reopen(now, () -> execution.record(now, "ExecutionRedriven",
                "executionRedrivenEventDetails", object().put("redriveCount", execution.redriveCount())));
        if (reopened) {
            int epoch = execution.epoch();
            execution.stateEnteredTime = now;
            commit(execution, epoch);
            scheduleMachineTimeout(execution, epoch);
            scheduler.run(() -> advance(execution, epoch));
        }
        return reopened;
    }

    /** StopExecution: the execution ends ABORTED with the error and cause given; a task in flight finishes unheard. */
    public boolean stop(Execution execution, String error, String cause) {
        Instant now = clock.instant();
        int ended = execution.endFromOutside(Execution.Status.ABORTED, error, cause, now,
                () -> execution.record(now, "ExecutionAborted", "executionAbortedEventDetails", errorDetails(error, cause)),
                execution.epoch());
        if (ended >= 0) {
            commit(execution, ended);
        }
        return ended >= 0;
    }

    private void commitQuietly(Execution execution, int epoch) {
        try {
            commit(execution, epoch);
        } catch (Abandoned e) {
            // ended from outside meanwhile
        } catch (RuntimeException e) {
            LOG.errorf(e, "execution %s: its last transition could not be committed", execution.arn());
        }
    }

    /** What {@link #step} answers when the state waits for its branches: the last to end goes on with the execution. */
    private static final Duration SUSPENDED = Duration.ofMillis(-1);

    private void advance(Execution execution, int epoch) {
        if (!execution.live(epoch)) {
            return;
        }
        RUN.set(epoch);
        try {
            execution.resumeAt = null;
            while (execution.status() == Execution.Status.RUNNING) {
                Duration wait = step(execution);
                if (wait == SUSPENDED) {
                    return;
                }
                if (wait != null) {
                    execution.resumeAt = clock.instant().plus(wait);
                    commit(execution, epoch);
                    scheduler.after(wait, () -> advance(execution, epoch));
                    return;
                }
                if (!enteredTask(execution)) {
                    commit(execution, epoch);
                }
            }
        } catch (Abandoned e) {
            // This run was stopped, timed out or redriven meanwhile: what it was doing is not its to finish.
        } catch (ExecutionStore.Unavailable | java.util.concurrent.RejectedExecutionException e) {
            LOG.errorf(e, "execution %s stops in this process; it goes on from its last commit when resumed", execution.arn());
        } catch (StatesFailure e) {
            fail(execution, e.error(), e.cause());
            commitQuietly(execution, epoch);
        } catch (RuntimeException | Error e) {
            LOG.errorf(e, "execution %s broke in state %s", execution.arn(), execution.state);
            fail(execution, StatesFailure.RUNTIME, String.valueOf(e));
            commitQuietly(execution, epoch);
        } finally {
            RUN.remove();
        }
    }

    /**
     * A Task just entered commits its transition together with its scheduling, right before it is
     * invoked: one commit instead of two, and still nothing of the task happens before the
     * transition is durable.
     */
    private static boolean enteredTask(Execution execution) {
        return execution.status() == Execution.Status.RUNNING
                && "Task".equals(execution.machine().state(execution.state).get("Type").asText());
    }

    /** Runs the current state; returns how long to wait before going on, or null to go on now. */
    private Duration step(Execution execution) {
        JsonNode state = execution.machine().state(execution.state);
        String type = state.get("Type").asText();
        JsonNode raw = execution.stateInput;
        JsonNode context = context(execution);
        switch (type) {
            case "Pass" -> {
                JsonNode effective = parameters(state, inputPath(state, raw), context);
                JsonNode result = state.has("Result") ? state.get("Result") : effective;
                exit(execution, state, outputPath(state, resultPath(state, raw, result)));
                return null;
            }
            case "Task" -> {
                return task(execution, state, raw, context);
            }
            case "Choice" -> {
                JsonNode effective = inputPath(state, raw);
                for (JsonNode rule : state.get("Choices")) {
                    if (ChoiceRules.matches(rule, effective, context)) {
                        exitTo(execution, rule.get("Next").asText(), outputPath(state, effective));
                        return null;
                    }
                }
                if (!state.has("Default")) {
                    throw new StatesFailure("States.NoChoiceMatched",
                            "no choice rule of state '" + execution.state + "' matched and it has no Default");
                }
                exitTo(execution, state.get("Default").asText(), outputPath(state, effective));
                return null;
            }
            case "Wait" -> {
                return waitState(execution, state, raw);
            }
            case "Parallel", "Map" -> {
                return fanout(execution, state, raw, context);
            }
            case "Succeed" -> {
                JsonNode output = outputPath(state, inputPath(state, raw));
                recordExit(execution, output);
                succeed(execution, output);
                return null;
            }
            case "Fail" -> {
                String error = state.has("ErrorPath") ? text(raw, context, state.get("ErrorPath").asText())
                        : state.path("Error").asText(null);
                String cause = state.has("CausePath") ? text(raw, context, state.get("CausePath").asText())
                        : state.path("Cause").asText(null);
                fail(execution, error, cause);
                return null;
            }
            default -> throw StatesFailure.runtime("unsupported state type " + type);
        }
    }

    private Duration task(Execution execution, JsonNode state, JsonNode raw, JsonNode context) {
        JsonNode payload = parameters(state, inputPath(state, raw), context);
        String resource = state.get("Resource").asText();
        Integer timeout = timeoutSeconds(state, raw);
        ObjectNode scheduled = object().put("resourceType", "lambda").put("resource", resource)
                .put("input", payload.toString());
        if (timeout != null) {
            scheduled.put("timeoutInSeconds", timeout);
        }
        execution.record(clock.instant(), "LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails", scheduled);
        execution.record(clock.instant(), "LambdaFunctionStarted", null, null);
        commit(execution);
        JsonNode result;
        try {
            result = tasks.invoke(resource, payload, timeout);
        } catch (StatesFailure failure) {
            abandonIfEnded(execution);
            if (StatesFailure.RUNTIME.equals(failure.error())) {
                throw failure;
            }
            boolean timedOut = StatesFailure.TIMEOUT.equals(failure.error());
            execution.record(clock.instant(), timedOut ? "LambdaFunctionTimedOut" : "LambdaFunctionFailed",
                    timedOut ? "lambdaFunctionTimedOutEventDetails" : "lambdaFunctionFailedEventDetails",
                    errorDetails(failure.error(), failure.cause()));
            return recover(execution, state, raw, failure);
        }
        abandonIfEnded(execution);
        execution.record(clock.instant(), "LambdaFunctionSucceeded", "lambdaFunctionSucceededEventDetails",
                object().put("output", result.toString()));
        JsonNode selected = state.has("ResultSelector") ? PayloadTemplate.apply(state.get("ResultSelector"), result, context)
                : result;
        JsonNode output;
        try {
            output = resultPath(state, raw, selected);
        } catch (StatesFailure failure) {
            return recover(execution, state, raw, failure);
        }
        exit(execution, state, outputPath(state, output));
        return null;
    }

    /** A task came back to a run that was ended from outside while it ran: its answer is not heard. */
    private static void abandonIfEnded(Execution execution) {
        Integer run = RUN.get();
        if (run != null && !execution.live(run)) {
            throw new Abandoned();
        }
    }

    /** TimeoutSeconds, or TimeoutSecondsPath read from the state's raw input (a positive integer). */
    private static Integer timeoutSeconds(JsonNode state, JsonNode raw) {
        if (state.has("TimeoutSeconds")) {
            return state.get("TimeoutSeconds").asInt();
        }
        if (!state.has("TimeoutSecondsPath")) {
            return null;
        }
        JsonNode value = JsonPaths.read(raw, state.get("TimeoutSecondsPath").asText());
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() <= 0) {
            throw StatesFailure.runtime("TimeoutSecondsPath selected " + value + ", not a positive integer");
        }
        return value.asInt();
    }

    /** Retry if a retrier matches and has attempts left; else Catch; else the execution fails. */
    private Duration recover(Execution execution, JsonNode state, JsonNode raw, StatesFailure failure) {
        JsonNode retriers = state.path("Retry");
        for (int i = 0; i < retriers.size(); i++) {
            JsonNode retrier = retriers.get(i);
            if (!matches(retrier.get("ErrorEquals"), failure.error())) {
                continue;
            }
            int maxAttempts = retrier.path("MaxAttempts").asInt(3);
            if (execution.retryAttempts[i] >= maxAttempts) {
                break;
            }
            Duration delay = backoff(retrier, execution.retryAttempts[i]);
            execution.retryAttempts[i]++;
            execution.retryCount++;
            return delay;
        }
        for (JsonNode catcher : state.path("Catch")) {
            if (matches(catcher.get("ErrorEquals"), failure.error())) {
                ObjectNode errorOutput = object().put("Error", failure.error()).put("Cause", failure.cause());
                JsonNode output = catcher.has("ResultPath") ? write(raw, catcher.get("ResultPath"), errorOutput)
                        : errorOutput;
                exitTo(execution, catcher.get("Next").asText(), output);
                return null;
            }
        }
        throw failure;
    }

    /** IntervalSeconds x BackoffRate^attempt, capped by MaxDelaySeconds, with FULL jitter if asked. */
    static Duration backoff(JsonNode retrier, int attempt) {
        double interval = retrier.path("IntervalSeconds").asDouble(1);
        double rate = retrier.path("BackoffRate").asDouble(2.0);
        double seconds = interval * Math.pow(rate, attempt);
        if (retrier.has("MaxDelaySeconds")) {
            seconds = Math.min(seconds, retrier.get("MaxDelaySeconds").asDouble());
        }
        if ("FULL".equals(retrier.path("JitterStrategy").asText("NONE"))) {
            seconds = ThreadLocalRandom.current().nextDouble() * seconds;
        }
        return Duration.ofMillis(Math.round(seconds * 1000));
    }

    static boolean matches(JsonNode errorEquals, String error) {
        for (JsonNode candidate : errorEquals) {
            String name = candidate.asText();
            if (name.equals(error)) {
                return true;
            }
            if (StatesFailure.ALL.equals(name) && !StatesFailure.RUNTIME.equals(error)) {
                return true;
            }
            if (StatesFailure.TASK_FAILED.equals(name) && !StatesFailure.TIMEOUT.equals(error)
                    && !StatesFailure.RUNTIME.equals(error)) {
                return true;
            }
        }
        return false;
    }

    private Duration waitState(Execution execution, JsonNode state, JsonNode raw) {
        JsonNode effective = inputPath(state, raw);
        Instant until;
        if (state.has("Seconds")) {
            until = execution.stateEnteredTime.plusSeconds(state.get("Seconds").asLong());
        } else if (state.has("SecondsPath")) {
            JsonNode seconds = JsonPaths.read(effective, state.get("SecondsPath").asText());
            if (!seconds.isIntegralNumber() || !seconds.canConvertToLong() || seconds.asLong() < 0) {
                throw StatesFailure.runtime("SecondsPath selected " + seconds + ", not a non-negative integer");
            }
            until = execution.stateEnteredTime.plusSeconds(seconds.asLong());
        } else {
            String text = state.has("Timestamp") ? state.get("Timestamp").asText()
                    : JsonPaths.read(effective, state.get("TimestampPath").asText()).asText();
            try {
                until = OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException e) {
                throw StatesFailure.runtime("'" + text + "' is not an ISO-8601 timestamp");
            }
        }
        Duration remaining = Duration.between(clock.instant(), until);
        if (!remaining.isNegative() && !remaining.isZero()) {
            return remaining;
        }
        exit(execution, state, outputPath(state, effective));
        return null;
    }

    /**
     * Parallel and Map. On entry every branch (Parallel) or item (Map) gets its input and the state
     * hands the execution over to them; the last of them to end brings it back here, where their
     * outputs, in order, become the state's result, or the first failure its error. After a crash
     * or a redrive, only the branches that had not succeeded run again.
     */
    private Duration fanout(Execution execution, JsonNode state, JsonNode raw, JsonNode context) {
        boolean map = "Map".equals(state.get("Type").asText());
        String type = state.get("Type").asText();
        int run = RUN.get() == null ? execution.epoch() : RUN.get();
        Fanout fanout = execution.fanout;
        if (fanout != null && fanout.run != run) {
            fanout = null; // left by a run that was stopped, timed out or redriven
        }
        if (fanout == null) {
            JsonNode effective = inputPath(state, raw);
            List<JsonNode> inputs = map ? items(state, effective, context)
                    : Collections.nCopies(state.get("Branches").size(), parameters(state, effective, context));
            if (execution.branches == null || execution.branches.size() != inputs.size()) {
                ArrayNode ends = JsonPaths.MAPPER.createArrayNode();
                inputs.forEach(i -> ends.addNull());
                execution.branches = ends;
                if (map) {
                    execution.record(clock.instant(), "MapStateStarted", "mapStateStartedEventDetails",
                            object().put("length", inputs.size()));
                } else {
                    execution.record(clock.instant(), "ParallelStateStarted", null, null);
                }
                commit(execution);
            }
            fanout = new Fanout(execution, run, execution.state, map, execution.machine().nested(execution.state), inputs,
                    map ? limit(state, effective, "MaxConcurrency") : null, map ? tolerance(state, effective) : null);
            execution.fanout = fanout;
            if (fanout.start()) {
                return SUSPENDED;
            }
        } else if (!fanout.closed()) {
            return SUSPENDED;
        }
        execution.fanout = null;
        StatesFailure failure = fanout.failure();
        if (failure != null) {
            execution.record(clock.instant(), type + "StateFailed", null, null);
            Duration retry = recover(execution, state, raw, failure);
            if (retry != null) {
                execution.branches = null; // a retry runs every branch again
            }
            return retry;
        }
        ArrayNode result = JsonPaths.MAPPER.createArrayNode();
        for (JsonNode end : execution.branches) {
            result.add(end.has("output") ? end.get("output")
                    : object().put("Error", end.path("error").asText(null)).put("Cause", end.path("cause").asText(null)));
        }
        execution.branches = null;
        execution.record(clock.instant(), type + "StateSucceeded", null, null);
        JsonNode selected = state.has("ResultSelector") ? PayloadTemplate.apply(state.get("ResultSelector"), result, context)
                : result;
        JsonNode output;
        try {
            output = resultPath(state, raw, selected);
        } catch (StatesFailure e) {
            return recover(execution, state, raw, e);
        }
        exit(execution, state, outputPath(state, output));
        return null;
    }

    /** A Map's items (ItemsPath, an array) each shaped by ItemSelector (or the older Parameters) with $$.Map.Item. */
    private static List<JsonNode> items(JsonNode state, JsonNode effective, JsonNode context) {
        JsonNode items = state.has("ItemsPath") ? JsonPaths.read(effective, state.get("ItemsPath").asText()) : effective;
        if (!items.isArray()) {
            throw StatesFailure.runtime("the Map's ItemsPath selected " + items + ", not an array");
        }
        JsonNode selector = state.has("ItemSelector") ? state.get("ItemSelector") : state.get("Parameters");
        List<JsonNode> inputs = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            if (selector == null) {
                inputs.add(items.get(i));
                continue;
            }
            ObjectNode itemContext = context.deepCopy();
            itemContext.putObject("Map").putObject("Item").put("Index", i).set("Value", items.get(i));
            inputs.add(PayloadTemplate.apply(selector, effective, itemContext));
        }
        return inputs;
    }

    /** MaxConcurrency or MaxConcurrencyPath; 0 or absent means no limit. */
    private static Integer limit(JsonNode state, JsonNode effective, String field) {
        JsonNode value = state.has(field + "Path") ? JsonPaths.read(effective, state.get(field + "Path").asText())
                : state.get(field);
        if (value == null) {
            return null;
        }
        if (!value.isIntegralNumber() || value.asLong() < 0 || !value.canConvertToInt()) {
            throw StatesFailure.runtime(field + " is " + value + ", not a non-negative integer");
        }
        return value.asInt();
    }

    private static Tolerance tolerance(JsonNode state, JsonNode effective) {
        Integer count = limit(state, effective, "ToleratedFailureCount");
        JsonNode percentage = state.has("ToleratedFailurePercentagePath")
                ? JsonPaths.read(effective, state.get("ToleratedFailurePercentagePath").asText())
                : state.get("ToleratedFailurePercentage");
        if (percentage != null && (!percentage.isNumber() || percentage.asDouble() < 0 || percentage.asDouble() > 100)) {
            throw StatesFailure.runtime("ToleratedFailurePercentage is " + percentage + ", not a number from 0 to 100");
        }
        return new Tolerance(count, percentage == null ? null : percentage.asDouble());
    }

    /** How many of a Map's iterations may fail before the Map does; with neither field set, none may. */
    record Tolerance(Integer count, Double percentage) {
        boolean set() {
            return count != null || percentage != null;
        }

        boolean exceeded(int failed, int total) {
            if (!set()) {
                return failed > 0;
            }
            return count != null && failed > count || percentage != null && failed * 100.0 / total > percentage;
        }
    }

    /**
     * The branches or iterations of one Parallel or Map state in one run of its execution: starts
     * them (at most MaxConcurrency at once), records each end in the execution and commits it,
     * cancels the rest on a failure, and resumes the execution when the last one has ended.
     */
    final class Fanout {
        private final Execution parent;
        final int run;
        private final String stateName;
        private final boolean map;
        private final List<StateMachine> machines;
        private final List<JsonNode> inputs;
        private final int maxConcurrency;
        private final Tolerance tolerance;
        private final Map<Integer, Execution> running = new HashMap<>();
        private int next;
        private int failed;
        private StatesFailure failure;
        private boolean closed;

        Fanout(Execution parent, int run, String stateName, boolean map, List<StateMachine> machines, List<JsonNode> inputs,
                Integer maxConcurrency, Tolerance tolerance) {
            this.parent = parent;
            this.run = run;
            this.stateName = stateName;
            this.map = map;
            this.machines = machines;
            this.inputs = inputs;
            this.maxConcurrency = maxConcurrency == null ? 0 : maxConcurrency;
            this.tolerance = tolerance;
        }

        /** Starts what has not succeeded yet; false when there is nothing to start (everything succeeded before). */
        synchronized boolean start() {
            for (int i = 0; i < inputs.size(); i++) {
                if (parent.branches.get(i).has("error")) {
                    parent.branchEnded(i, NullNode.getInstance()); // failed before a redrive: runs again
                }
            }
            launchMore();
            if (running.isEmpty()) {
                closed = true;
                return false;
            }
            return true;
        }

        synchronized boolean closed() {
            return closed;
        }

        synchronized StatesFailure failure() {
            return failure;
        }

        private void launchMore() {
            while (!closed && next < inputs.size() && (maxConcurrency == 0 || running.size() < maxConcurrency)) {
                int index = next++;
                if (parent.branches.get(index).isNull()) {
                    launch(index);
                }
            }
        }

        private void launch(int index) {
            StateMachine machine = map ? machines.get(0) : machines.get(index);
            Execution branch = Execution.branch(parent, run, machine);
            running.put(index, branch);
            if (map) {
                parent.record(clock.instant(), "MapIterationStarted", "mapIterationStartedEventDetails", iteration(index));
            }
            place(branch, machine.startAt(), inputs.get(index));
            branch.finished().thenRun(() -> scheduler.run(() -> ended(index, branch)));
            scheduler.run(() -> advance(branch, branch.epoch()));
        }

        private ObjectNode iteration(int index) {
            return object().put("name", stateName).put("index", index);
        }

        private synchronized void ended(int index, Execution branch) {
            if (closed || running.remove(index) == null) {
                return;
            }
            if (!parent.live(run)) {
                closed = true;
                return;
            }
            ObjectNode end;
            if (branch.status() == Execution.Status.SUCCEEDED) {
                end = object().set("output", branch.output());
                if (map) {
                    parent.record(clock.instant(), "MapIterationSucceeded", "mapIterationSucceededEventDetails",
                            iteration(index));
                }
            } else {
                end = errorDetails(branch.error(), branch.cause());
                failed++;
                if (map) {
                    parent.record(clock.instant(), "MapIterationFailed", "mapIterationFailedEventDetails", iteration(index));
                }
                if (!map || tolerance.exceeded(failed, inputs.size())) {
                    failure = map && tolerance.set()
                            ? new StatesFailure("States.ExceedToleratedFailureThreshold",
                                    failed + " of the Map's " + inputs.size() + " iterations failed, more than it tolerates")
                            : new StatesFailure(branch.error(), branch.cause());
                    closed = true;
                    running.forEach((i, other) -> {
                        other.cancelled = true;
                        if (map) {
                            parent.record(clock.instant(), "MapIterationAborted", "mapIterationAbortedEventDetails",
                                    iteration(i));
                        }
                    });
                    running.clear();
                }
            }
            parent.branchEnded(index, end);
            try {
                commit(parent, run);
            } catch (Abandoned e) {
                closed = true;
                return;
            } catch (RuntimeException e) {
                LOG.errorf(e, "execution %s stops in this process; it goes on from its last commit when resumed",
                        parent.arn());
                closed = true;
                parent.stalled = true;
                return;
            }
            launchMore();
            if (closed || running.isEmpty()) {
                closed = true;
                scheduler.run(() -> advance(parent, run));
            }
        }
    }

    private void enter(Execution execution, String stateName, JsonNode input) {
        abandonIfEnded(execution);
        place(execution, stateName, input);
    }

    /** Moves the cursor into {@code stateName} with {@code input}, recording the state's entry. */
    private void place(Execution execution, String stateName, JsonNode input) {
        JsonNode state = execution.machine().state(stateName);
        execution.state = stateName;
        execution.stateInput = input;
        execution.stateEnteredTime = clock.instant();
        execution.retryAttempts = new int[state.path("Retry").size()];
        execution.retryCount = 0;
        execution.branches = null;
        execution.fanout = null;
        ObjectNode details = object().put("name", stateName).put("input", input.toString());
        execution.record(execution.stateEnteredTime, state.get("Type").asText() + "StateEntered",
                "stateEnteredEventDetails", details);
    }

    private void exit(Execution execution, JsonNode state, JsonNode output) {
        if (state.path("End").asBoolean(false)) {
            recordExit(execution, output);
            succeed(execution, output);
        } else {
            exitTo(execution, state.get("Next").asText(), output);
        }
    }

    private void exitTo(Execution execution, String next, JsonNode output) {
        recordExit(execution, output);
        enter(execution, next, output);
    }

    private void recordExit(Execution execution, JsonNode output) {
        String type = execution.machine().state(execution.state).get("Type").asText();
        execution.record(clock.instant(), type + "StateExited", "stateExitedEventDetails",
                object().put("name", execution.state).put("output", output.toString()));
    }

    private void succeed(Execution execution, JsonNode output) {
        Instant now = clock.instant();
        execution.finish(Execution.Status.SUCCEEDED, output, null, null, now, execution.isBranch() ? () -> {
        }
                : () -> execution.record(now, "ExecutionSucceeded", "executionSucceededEventDetails",
                        object().put("output", output.toString())));
    }

    private void fail(Execution execution, String error, String cause) {
        Instant now = clock.instant();
        execution.finish(Execution.Status.FAILED, null, error, cause, now, execution.isBranch() ? () -> {
        } : () -> execution.record(now, "ExecutionFailed", "executionFailedEventDetails", errorDetails(error, cause)));
    }

    /** The {error, cause} of an event's details, each only when there is one. */
    private static ObjectNode errorDetails(String error, String cause) {
        ObjectNode details = object();
        if (error != null) {
            details.put("error", error);
        }
        if (cause != null) {
            details.put("cause", cause);
        }
        return details;
    }

    private JsonNode context(Execution execution) {
        ObjectNode context = object();
        context.putObject("Execution").put("Id", execution.arn()).put("Name", execution.name())
                .put("StartTime", execution.startDate().toString()).set("Input", execution.input());
        context.putObject("State").put("Name", execution.state)
                .put("EnteredTime", execution.stateEnteredTime.toString()).put("RetryCount", execution.retryCount);
        context.putObject("StateMachine").put("Id", execution.stateMachineArn()).put("Name", execution.machine().name());
        return context;
    }

    private static JsonNode inputPath(JsonNode state, JsonNode raw) {
        if (!state.has("InputPath")) {
            return raw;
        }
        return state.get("InputPath").isNull() ? object() : JsonPaths.read(raw, state.get("InputPath").asText());
    }

    private static JsonNode parameters(JsonNode state, JsonNode effective, JsonNode context) {
        return state.has("Parameters") ? PayloadTemplate.apply(state.get("Parameters"), effective, context) : effective;
    }

    private static JsonNode resultPath(JsonNode state, JsonNode raw, JsonNode result) {
        return state.has("ResultPath") ? write(raw, state.get("ResultPath"), result) : result;
    }

    private static JsonNode write(JsonNode raw, JsonNode resultPath, JsonNode result) {
        return resultPath.isNull() ? raw : JsonPaths.write(raw, resultPath.asText(), result);
    }

    private static JsonNode outputPath(JsonNode state, JsonNode output) {
        if (!state.has("OutputPath")) {
            return output;
        }
        return state.get("OutputPath").isNull() ? object() : JsonPaths.read(output, state.get("OutputPath").asText());
    }

    private static String text(JsonNode input, JsonNode context, String path) {
        JsonNode value = PayloadTemplate.resolve(path, input, context);
        if (!value.isTextual()) {
            throw StatesFailure.runtime("'" + path + "' selected " + value + ", not a string");
        }
        return value.asText();
    }

    private static ObjectNode object() {
        return JsonPaths.MAPPER.createObjectNode();
    }

}
