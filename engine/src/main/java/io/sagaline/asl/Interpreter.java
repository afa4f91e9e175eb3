package io.sagaline.asl;

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

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

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

        /** Work runs on {@code workers}; a delay is kept by {@code timer}, which hands the work to the workers when due. */
        static Scheduler on(java.util.concurrent.ExecutorService workers, java.util.concurrent.ScheduledExecutorService timer) {
            return new Scheduler() {
                @Override
                public void run(Runnable work) {
                    workers.execute(work);
                }

                @Override
                public void after(Duration delay, Runnable work) {
                    timer.schedule(() -> workers.execute(work), delay.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                }
            };
        }
    }

    /** What an execution does that is counted: its retries and its end (the engine's metrics). */
    public interface Observer {
        Observer NONE = new Observer() {
        };

        default void retried(Execution execution, String state, String error) {
        }

        default void ended(Execution execution) {
        }
    }

    private final TaskInvoker tasks;
    private final Scheduler scheduler;
    private final Clock clock;
    private final ExecutionStore store;
    private final Tracer tracer;
    private final Observer observer;

    public Interpreter(TaskInvoker tasks, Scheduler scheduler, Clock clock) {
        this(tasks, scheduler, clock, ExecutionStore.NONE);
    }

    public Interpreter(TaskInvoker tasks, Scheduler scheduler, Clock clock, ExecutionStore store) {
        this(tasks, scheduler, clock, store, TracerProvider.noop().get("asl"), Observer.NONE);
    }

    public Interpreter(TaskInvoker tasks, Scheduler scheduler, Clock clock, ExecutionStore store, Tracer tracer,
            Observer observer) {
        this.tasks = tasks;
        this.scheduler = scheduler;
        this.clock = clock;
        this.store = store;
        this.tracer = tracer;
        this.observer = observer;
    }

    /** The execution's spans in this process; after a restart or a redrive, a new span of its trace. */
    private ExecutionTrace trace(Execution execution, String how) {
        ExecutionTrace existing = execution.trace;
        if (existing != null) {
            return existing;
        }
        synchronized (execution) {
            return beginTrace(execution, how);
        }
    }

    private ExecutionTrace beginTrace(Execution execution, String how) {
        ExecutionTrace trace = execution.trace;
        if (trace == null) {
            trace = ExecutionTrace.begin(tracer, execution, ExecutionTrace.parentOf(execution.traceHeader), clock.instant(),
                    how, execution.isBranch() ? null : observer);
            execution.trace = trace;
            if (execution.state != null && execution.status() == Execution.Status.RUNNING) {
                trace.entered(execution.state, execution.machine().state(execution.state).get("Type").asText(),
                        clock.instant());
            }
        }
        return trace;
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
        trace(execution, "resumed");
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
        return start(executionArn, name, stateMachineArn, machine, input, null);
    }

    /**
     * Starts an execution in the trace {@code traceHeader} names (X-Ray's header, as StartExecution
     * takes it); without one, in a trace of its own, or of the caller's current span.
     */
    public Execution start(String executionArn, String name, String stateMachineArn, StateMachine machine,
            JsonNode input, String traceHeader) {
        Execution execution = new Execution(executionArn, name, stateMachineArn, machine, input, clock.instant());
        execution.trace = ExecutionTrace.begin(tracer, execution,
                traceHeader == null ? Context.current() : ExecutionTrace.parentOf(traceHeader), execution.startDate(),
                "started", observer);
        execution.traceHeader = traceHeader != null ? traceHeader : execution.trace.traceHeader();
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
            execution.trace = null;
            trace(execution, "redriven");
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
        JsonPaths.VARIABLES.set(execution::variable);
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
            JsonPaths.VARIABLES.remove();
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

    /**
     * What one state's fields are evaluated with: its raw input, the context object and, in a
     * JSONata state, $states and the variables in scope. Every field of ASL that selects or builds
     * JSON goes through here, in the state's query language.
     */
    private final class Query {
        final Execution execution;
        final JsonNode state;
        final JsonNode raw;
        final JsonNode context;
        final boolean jsonata;
        private JsonataQueries.Bindings bindings;

        Query(Execution execution) {
            this.execution = execution;
            this.state = execution.machine().state(execution.state);
            this.raw = execution.stateInput;
            this.context = Interpreter.this.context(execution);
            this.jsonata = execution.machine().jsonata(execution.state);
        }

        JsonataQueries.Bindings bindings() {
            if (bindings == null) {
                bindings = new JsonataQueries.Bindings(raw, context, null, null, execution.visibleVariables(), clock);
            }
            return bindings;
        }

        JsonNode eval(JsonNode template, String field) {
            return JsonataQueries.evaluate(template, bindings(), field);
        }

        /** A JSONata state's Output, evaluated with $states.result when there is one; without Output, {@code fallback}. */
        JsonNode output(JsonNode result, JsonNode fallback) {
            if (!state.has("Output")) {
                return fallback;
            }
            return JsonataQueries.evaluate(state.get("Output"), result == null ? bindings() : bindings().withResult(result),
                    "Output");
        }

        /**
         * The variables {@code assign} sets (null when there is no Assign): in JSONata with $states
         * (and its result or error output), in JSONPath as a template over {@code dollar}.
         */
        ObjectNode assign(JsonNode assign, JsonNode dollar, JsonNode result, JsonNode errorOutput, String field) {
            if (assign == null) {
                return null;
            }
            if (!jsonata) {
                return (ObjectNode) PayloadTemplate.apply(assign, dollar, context);
            }
            JsonataQueries.Bindings b = bindings();
            b = result == null ? b : b.withResult(result);
            b = errorOutput == null ? b : b.withErrorOutput(errorOutput);
            return (ObjectNode) JsonataQueries.evaluate(assign, b, field);
        }

        /** A setting such as MaxConcurrency: JSONata literal or expression; JSONPath literal or its *Path form. */
        JsonNode setting(String field, JsonNode effective) {
            if (jsonata) {
                return state.has(field) ? eval(state.get(field), field) : null;
            }
            return state.has(field + "Path") ? JsonPaths.read(effective, state.get(field + "Path").asText()) : state.get(field);
        }

        /** A wrong value where a field needs a number or a string: a query evaluation error in JSONata, else States.Runtime. */
        StatesFailure wrong(String message) {
            return jsonata ? new StatesFailure(JsonataQueries.QUERY_EVALUATION_ERROR, message) : StatesFailure.runtime(message);
        }
    }

    /** Runs the current state; returns how long to wait before going on, null to go on now, or SUSPENDED. */
    private Duration step(Execution execution) {
        Query q = new Query(execution);
        JsonNode state = q.state;
        JsonNode raw = q.raw;
        JsonNode context = q.context;
        switch (state.get("Type").asText()) {
            case "Pass" -> {
                if (q.jsonata) {
                    JsonNode output = q.output(null, raw);
                    execution.pendingAssign = q.assign(state.get("Assign"), null, null, null, "Assign");
                    exit(execution, state, output);
                } else {
                    JsonNode effective = parameters(state, inputPath(state, raw), context);
                    JsonNode result = state.has("Result") ? state.get("Result") : effective;
                    execution.pendingAssign = q.assign(state.get("Assign"), result, null, null, "Assign");
                    exit(execution, state, outputPath(state, resultPath(state, raw, result)));
                }
                return null;
            }
            case "Task" -> {
                return task(q);
            }
            case "Choice" -> {
                return choice(q);
            }
            case "Wait" -> {
                return waitState(q);
            }
            case "Succeed" -> {
                JsonNode output = q.jsonata ? q.output(null, raw) : outputPath(state, inputPath(state, raw));
                recordExit(execution, output);
                succeed(execution, output);
                return null;
            }
            case "Fail" -> {
                String error;
                String cause;
                if (q.jsonata) {
                    error = failText(q, "Error");
                    cause = failText(q, "Cause");
                } else {
                    error = state.has("ErrorPath") ? text(raw, context, state.get("ErrorPath").asText())
                            : state.path("Error").asText(null);
                    cause = state.has("CausePath") ? text(raw, context, state.get("CausePath").asText())
                            : state.path("Cause").asText(null);
                }
                fail(execution, error, cause);
                return null;
            }
            case "Parallel", "Map" -> {
                return fanout(q);
            }
            default -> throw StatesFailure.runtime("unsupported state type " + state.get("Type").asText());
        }
    }

    /** A JSONata Fail state's Error or Cause: a string, or an expression that gives one. */
    private static String failText(Query q, String field) {
        if (!q.state.has(field)) {
            return null;
        }
        JsonNode value = q.eval(q.state.get(field), field);
        if (!value.isTextual()) {
            throw q.wrong("the Fail state's " + field + " is " + value + ", not a string");
        }
        return value.asText();
    }

    private Duration choice(Query q) {
        Execution execution = q.execution;
        JsonNode state = q.state;
        JsonNode effective = q.jsonata ? q.raw : inputPath(state, q.raw);
        JsonNode choices = state.get("Choices");
        for (int i = 0; i < choices.size(); i++) {
            JsonNode rule = choices.get(i);
            if (q.jsonata ? condition(q, rule.get("Condition"), "Choices[" + i + "].Condition")
                    : ChoiceRules.matches(rule, effective, q.context)) {
                execution.pendingAssign = q.assign(rule.get("Assign"), effective, null, null, "Choices[" + i + "].Assign");
                JsonNode output = q.jsonata
                        ? (rule.has("Output") ? q.eval(rule.get("Output"), "Choices[" + i + "].Output") : q.raw)
                        : outputPath(state, effective);
                exitTo(execution, rule.get("Next").asText(), output);
                return null;
            }
        }
        if (!state.has("Default")) {
            throw new StatesFailure("States.NoChoiceMatched",
                    "no choice rule of state '" + execution.state + "' matched and it has no Default");
        }
        execution.pendingAssign = q.assign(state.get("Assign"), effective, null, null, "Assign");
        exitTo(execution, state.get("Default").asText(), q.jsonata ? q.output(null, q.raw) : outputPath(state, effective));
        return null;
    }

    private static boolean condition(Query q, JsonNode condition, String field) {
        JsonNode value = condition.isBoolean() ? condition : q.eval(condition, field);
        if (!value.isBoolean()) {
            throw q.wrong("the Condition " + condition + " gave " + value + ", not a boolean");
        }
        return value.asBoolean();
    }

    private Duration task(Query q) {
        Execution execution = q.execution;
        JsonNode state = q.state;
        JsonNode raw = q.raw;
        JsonNode payload;
        Integer timeout;
        try {
            payload = q.jsonata ? (state.has("Arguments") ? q.eval(state.get("Arguments"), "Arguments") : raw)
                    : parameters(state, inputPath(state, raw), q.context);
            timeout = timeoutSeconds(q);
        } catch (StatesFailure failure) {
            if (!q.jsonata) {
                throw failure;
            }
            return recover(q, failure);
        }
        String resource = state.get("Resource").asText();
        ObjectNode scheduled = object().put("resourceType", "lambda").put("resource", resource)
                .put("input", payload.toString());
        if (timeout != null) {
            scheduled.put("timeoutInSeconds", timeout);
        }
        execution.record(clock.instant(), "LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails", scheduled);
        execution.record(clock.instant(), "LambdaFunctionStarted", null, null);
        commit(execution);
        JsonNode result;
        Span attempt = trace(execution, "resumed").task(resource, execution.retryCount + 1, clock.instant());
        try (Scope ignored = attempt.makeCurrent()) {
            result = tasks.invoke(resource, payload, timeout);
        } catch (StatesFailure failure) {
            attempt.setStatus(StatusCode.ERROR, failure.error());
            attempt.setAttribute(ExecutionTrace.ERROR, failure.error());
            attempt.end(clock.instant());
            abandonIfEnded(execution);
            if (StatesFailure.RUNTIME.equals(failure.error())) {
                throw failure;
            }
            boolean timedOut = StatesFailure.TIMEOUT.equals(failure.error());
            execution.record(clock.instant(), timedOut ? "LambdaFunctionTimedOut" : "LambdaFunctionFailed",
                    timedOut ? "lambdaFunctionTimedOutEventDetails" : "lambdaFunctionFailedEventDetails",
                    errorDetails(failure.error(), failure.cause()));
            return recover(q, failure);
        } catch (RuntimeException | Error e) {
            attempt.setStatus(StatusCode.ERROR, String.valueOf(e));
            attempt.end(clock.instant());
            throw e;
        }
        attempt.end(clock.instant());
        abandonIfEnded(execution);
        execution.record(clock.instant(), "LambdaFunctionSucceeded", "lambdaFunctionSucceededEventDetails",
                object().put("output", result.toString()));
        return succeeded(q, result);
    }

    /**
     * A Task, Parallel or Map got its result: Output and Assign (JSONata), or ResultSelector,
     * Assign, ResultPath and OutputPath (JSONPath), then on to the next state. A failure here is
     * the state's, so its Retry and Catch apply.
     */
    private Duration succeeded(Query q, JsonNode result) {
        JsonNode state = q.state;
        JsonNode output;
        try {
            if (q.jsonata) {
                output = q.output(result, result);
                q.execution.pendingAssign = q.assign(state.get("Assign"), null, result, null, "Assign");
            } else {
                JsonNode selected = state.has("ResultSelector")
                        ? PayloadTemplate.apply(state.get("ResultSelector"), result, q.context)
                        : result;
                q.execution.pendingAssign = q.assign(state.get("Assign"), result, null, null, "Assign");
                output = outputPath(state, resultPath(state, q.raw, selected));
            }
        } catch (StatesFailure failure) {
            if (!q.jsonata && !StatesFailure.RESULT_PATH_MATCH_FAILURE.equals(failure.error())) {
                throw failure;
            }
            return recover(q, failure);
        }
        exit(q.execution, state, output);
        return null;
    }

    /** A task came back to a run that was ended from outside while it ran: its answer is not heard. */
    private static void abandonIfEnded(Execution execution) {
        Integer run = RUN.get();
        if (run != null && !execution.live(run)) {
            throw new Abandoned();
        }
    }

    /** TimeoutSeconds (in JSONata maybe an expression), or TimeoutSecondsPath read from the raw input: a positive integer. */
    private static Integer timeoutSeconds(Query q) {
        JsonNode value = q.jsonata ? q.setting("TimeoutSeconds", q.raw)
                : q.state.has("TimeoutSecondsPath") ? JsonPaths.read(q.raw, q.state.get("TimeoutSecondsPath").asText())
                        : q.state.get("TimeoutSeconds");
        if (value == null) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() <= 0) {
            throw q.wrong("TimeoutSeconds is " + value + ", not a positive integer");
        }
        return value.asInt();
    }

    /** Retry if a retrier matches and has attempts left; else Catch; else the execution fails. */
    private Duration recover(Query q, StatesFailure failure) {
        Execution execution = q.execution;
        JsonNode state = q.state;
        execution.pendingAssign = null;
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
            trace(execution, "resumed").retried(failure.error(), execution.retryCount, delay);
            observer.retried(execution, execution.state, failure.error());
            return delay;
        }
        JsonNode catchers = state.path("Catch");
        for (int i = 0; i < catchers.size(); i++) {
            JsonNode catcher = catchers.get(i);
            if (matches(catcher.get("ErrorEquals"), failure.error())) {
                ObjectNode errorOutput = object().put("Error", failure.error()).put("Cause", failure.cause());
                JsonNode output;
                if (q.jsonata) {
                    output = catcher.has("Output") ? JsonataQueries.evaluate(catcher.get("Output"),
                            q.bindings().withErrorOutput(errorOutput), "Catch[" + i + "].Output") : errorOutput;
                } else {
                    output = catcher.has("ResultPath") ? write(q.raw, catcher.get("ResultPath"), errorOutput) : errorOutput;
                }
                execution.pendingAssign = q.assign(catcher.get("Assign"), errorOutput, null, errorOutput,
                        "Catch[" + i + "].Assign");
                trace(execution, "resumed").caught(failure.error(), failure.cause(), catcher.get("Next").asText());
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
                    && !StatesFailure.RUNTIME.equals(error) && !JsonataQueries.QUERY_EVALUATION_ERROR.equals(error)) {
                return true;
            }
        }
        return false;
    }

    private Duration waitState(Query q) {
        Execution execution = q.execution;
        JsonNode state = q.state;
        JsonNode effective = q.jsonata ? q.raw : inputPath(state, q.raw);
        Instant until;
        if (state.has("Seconds") || state.has("SecondsPath")) {
            JsonNode seconds = q.jsonata ? q.setting("Seconds", effective)
                    : state.has("Seconds") ? state.get("Seconds")
                            : JsonPaths.read(effective, state.get("SecondsPath").asText());
            if (!seconds.isIntegralNumber() || !seconds.canConvertToLong() || seconds.asLong() < 0
                    || q.jsonata && seconds.asLong() > 99_999_999) {
                throw q.wrong("the Wait's Seconds is " + seconds + ", not a non-negative integer");
            }
            until = execution.stateEnteredTime.plusSeconds(seconds.asLong());
        } else {
            JsonNode timestamp = q.jsonata ? q.setting("Timestamp", effective)
                    : state.has("Timestamp") ? state.get("Timestamp")
                            : JsonPaths.read(effective, state.get("TimestampPath").asText());
            try {
                until = OffsetDateTime.parse(timestamp.asText()).toInstant();
            } catch (DateTimeParseException e) {
                throw q.wrong("'" + timestamp.asText() + "' is not an ISO-8601 timestamp");
            }
        }
        Duration remaining = Duration.between(clock.instant(), until);
        if (!remaining.isNegative() && !remaining.isZero()) {
            return remaining;
        }
        execution.pendingAssign = q.assign(state.get("Assign"), effective, null, null, "Assign");
        exit(execution, state, q.jsonata ? q.output(null, q.raw) : outputPath(state, effective));
        return null;
    }

    /**
     * Parallel and Map. On entry every branch (Parallel) or item (Map) gets its input and the state
     * hands the execution over to them; the last of them to end brings it back here, where their
     * outputs, in order, become the state's result, or the first failure its error. After a crash
     * or a redrive, only the branches that had not succeeded run again.
     */
    private Duration fanout(Query q) {
        Execution execution = q.execution;
        JsonNode state = q.state;
        String type = state.get("Type").asText();
        boolean map = "Map".equals(type);
        int run = RUN.get() == null ? execution.epoch() : RUN.get();
        Fanout fanout = execution.fanout;
        if (fanout != null && fanout.run != run) {
            fanout = null; // left by a run that was stopped, timed out or redriven
        }
        if (fanout == null) {
            List<JsonNode> inputs;
            Integer maxConcurrency;
            Tolerance tolerance;
            try {
                JsonNode effective = q.jsonata ? q.raw : inputPath(state, q.raw);
                inputs = map ? items(q, effective)
                        : Collections.nCopies(state.get("Branches").size(),
                                q.jsonata ? (state.has("Arguments") ? q.eval(state.get("Arguments"), "Arguments") : q.raw)
                                        : parameters(state, effective, q.context));
                maxConcurrency = map ? count(q, "MaxConcurrency", effective) : null;
                tolerance = map ? tolerance(q, effective) : null;
            } catch (StatesFailure failure) {
                if (!JsonataQueries.QUERY_EVALUATION_ERROR.equals(failure.error())) {
                    throw failure;
                }
                return recover(q, failure);
            }
            String inputsDigest = digest(inputs);
            if (execution.branches == null || !inputsDigest.equals(execution.branchInputs)) {
                // Fresh, or the inputs are not those the committed ends were computed from (an ItemSelector
                // with $uuid() or $now(), say): every branch runs.
                ArrayNode ends = JsonPaths.MAPPER.createArrayNode();
                inputs.forEach(i -> ends.addNull());
                execution.branches = ends;
                execution.branchInputs = inputsDigest;
                if (map) {
                    execution.record(clock.instant(), "MapStateStarted", "mapStateStartedEventDetails",
                            object().put("length", inputs.size()));
                } else {
                    execution.record(clock.instant(), "ParallelStateStarted", null, null);
                }
                commit(execution);
            }
            fanout = new Fanout(execution, run, execution.state, map, execution.machine().nested(execution.state), inputs,
                    maxConcurrency, tolerance);
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
            Duration retry = recover(q, failure);
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
        return succeeded(q, result);
    }

    /** What the branches' inputs were, to know after a crash or redrive whether their committed ends still belong to them. */
    private static String digest(List<JsonNode> inputs) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(inputs.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A Map's items, each shaped by ItemSelector (or the older Parameters) with the item in the
     * context object ($$.Map.Item / $states.context.Map.Item): JSONPath's ItemsPath or JSONata's
     * Items, an array either way.
     */
    private static List<JsonNode> items(Query q, JsonNode effective) {
        JsonNode state = q.state;
        JsonNode items = q.jsonata ? (state.has("Items") ? q.eval(state.get("Items"), "Items") : q.raw)
                : state.has("ItemsPath") ? JsonPaths.read(effective, state.get("ItemsPath").asText()) : effective;
        if (!items.isArray()) {
            throw q.wrong("the Map's items are " + items + ", not an array");
        }
        JsonNode selector = state.has("ItemSelector") ? state.get("ItemSelector") : state.get("Parameters");
        List<JsonNode> inputs = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            if (selector == null) {
                inputs.add(items.get(i));
                continue;
            }
            ObjectNode itemContext = q.context.deepCopy();
            itemContext.putObject("Map").putObject("Item").put("Index", i).set("Value", items.get(i));
            inputs.add(q.jsonata ? JsonataQueries.evaluate(selector, q.bindings().withContext(itemContext), "ItemSelector")
                    : PayloadTemplate.apply(selector, effective, itemContext));
        }
        return inputs;
    }

    /** MaxConcurrency or ToleratedFailureCount, in any of its forms: a non-negative integer, or null when absent. */
    private static Integer count(Query q, String field, JsonNode effective) {
        JsonNode value = q.setting(field, effective);
        if (value == null) {
            return null;
        }
        if (!value.isIntegralNumber() || value.asLong() < 0 || !value.canConvertToInt()) {
            throw q.wrong(field + " is " + value + ", not a non-negative integer");
        }
        return value.asInt();
    }

    private static Tolerance tolerance(Query q, JsonNode effective) {
        Integer count = count(q, "ToleratedFailureCount", effective);
        JsonNode percentage = q.setting("ToleratedFailurePercentage", effective);
        if (percentage != null && (!percentage.isNumber() || percentage.asDouble() < 0 || percentage.asDouble() > 100)) {
            throw q.wrong("ToleratedFailurePercentage is " + percentage + ", not a number from 0 to 100");
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
        /** The branches running, readable without this object's lock (endTraces). */
        private final java.util.Set<Execution> traced = java.util.concurrent.ConcurrentHashMap.newKeySet();
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
                if (!parent.branches.get(i).isNull() && !parent.branches.get(i).has("output")) {
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

        /**
         * The execution ended from outside while its branches ran: their spans end, aborted. Called
         * under the execution's lock, so it takes not this one's (ended() takes them the other way).
         */
        void endTraces(Instant at) {
            for (Execution branch : traced) {
                ExecutionTrace spans = branch.trace;
                if (spans != null) {
                    spans.closed(Execution.Status.ABORTED, "the execution ended", at);
                }
            }
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
            branch.traceHeader = parent.traceHeader;
            branch.trace = ExecutionTrace.begin(tracer, branch, trace(parent, "resumed").stateContext(), clock.instant(),
                    "started", null);
            running.put(index, branch);
            traced.add(branch);
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
            traced.remove(branch);
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
                end = errorDetails(branch.error(), branch.cause()).put("failed", true);
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
                        other.cancel();
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
                parent.stalled = true; // the whole execution stops in this process, its branches with it
                running.values().forEach(Execution::cancel);
                running.clear();
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
        execution.pendingAssign = null;
        ObjectNode details = object().put("name", stateName).put("input", input.toString());
        trace(execution, "resumed").entered(stateName, state.get("Type").asText(), execution.stateEnteredTime);
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

    /** Records the state's exit; what it assigned becomes visible now, to the states after it. */
    private void recordExit(Execution execution, JsonNode output) {
        String type = execution.machine().state(execution.state).get("Type").asText();
        ObjectNode details = object().put("name", execution.state).put("output", output.toString());
        ObjectNode assigned = execution.pendingAssign;
        execution.pendingAssign = null;
        if (assigned != null) {
            execution.assign(assigned);
            ObjectNode variables = details.putObject("assignedVariables");
            assigned.fields().forEachRemaining(v -> variables.put(v.getKey(), v.getValue().toString()));
            details.putObject("assignedVariablesDetails").put("truncated", false);
        }
        execution.record(clock.instant(), type + "StateExited", "stateExitedEventDetails", details);
        trace(execution, "resumed").exited(clock.instant());
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
