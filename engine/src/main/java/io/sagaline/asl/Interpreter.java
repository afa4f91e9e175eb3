package io.sagaline.asl;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Context;
import io.sagaline.asl.query.JsonPaths;
import io.sagaline.asl.states.State;
import io.sagaline.asl.states.Step;

/**
 * Runs ASL state machines as AWS Step Functions does: input and output processing (InputPath,
 * Parameters with the context object, ResultSelector, ResultPath, OutputPath), Retry with
 * back-off and Catch routing. Every transition is appended to the execution's history before
 * the next one is taken; waits (Wait states, retry back-off) hand the execution back to the
 * scheduler instead of holding a thread.
 */
public final class Interpreter {

    static final Logger LOG = Logger.getLogger(Interpreter.class);

    /** Runs a Task's resource: returns its result or throws a {@link StatesFailure} named as AWS names it. */
    public interface TaskInvoker {
        JsonNode invoke(String resource, JsonNode payload, Integer timeoutSeconds);

        /**
         * One task invocation with what the engine knows of it: the execution, the state and how many times it was
         * retried ({@code $$.State.RetryCount}), and the task token of a {@code .waitForTaskToken} Task (else null).
         */
        record Call(String executionArn, String state, int retryCount, String resource, JsonNode payload,
                Integer timeoutSeconds, String taskToken) {
        }

        /** {@link #invoke(String, JsonNode, Integer)} with the call's context, for invokers that need it (mocks). */
        default JsonNode invoke(Call call) {
            return invoke(call.resource(), call.payload(), call.timeoutSeconds());
        }

        /** The region a service integration's TaskScheduled names. */
        default String region() {
            return "us-east-1";
        }

        /**
         * Whether {@code resource}'s work is done in the store's transaction (a step whose statements go to the
         * database the store commits to): its statements and the engine's transition after it then commit
         * together, once, and the task is invoked with {@link #invoke(String, JsonNode, Integer, ExecutionStore.Transaction)}.
         */
        default boolean transactional(String resource) {
            return false;
        }

        /** A transactional task: its work goes into {@code transaction}, which the engine commits with its transition. */
        default JsonNode invoke(String resource, JsonNode payload, Integer timeoutSeconds,
                ExecutionStore.Transaction transaction) {
            return invoke(resource, payload, timeoutSeconds);
        }
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

        /**
         * The execution's start, or its redrive, is committed and it is about to run (before its first step, so that
         * this comes before {@link #endCommitted}).
         */
        default void running(Execution execution) {
        }

        /**
         * The execution's end is committed to the store (after {@link #ended}, which sees it in memory): what depends
         * on its end having happened for good (a parent's {@code .sync} task) may go on. Maybe called again for the
         * same end.
         */
        default void endCommitted(Execution execution) {
        }

        /**
         * The data of state {@code state} after one of its processing steps ({@code afterInputPath},
         * {@code afterParameters}, {@code result}, {@code afterResultSelector}, {@code afterResultPath},
         * {@code afterArguments}), as TestState's inspection data names them.
         */
        default void inspected(Execution execution, String state, String step, JsonNode data) {
        }
    }

    final TaskInvoker tasks;
    final Scheduler scheduler;
    final Clock clock;
    final ExecutionStore store;
    final Tracer tracer;
    final Observer observer;

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
    ExecutionTrace trace(Execution execution, String how) {
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
            Position at = execution.position();
            if (at != null && execution.status() == Execution.Status.RUNNING) {
                trace.entered(at.state(), execution.machine().state(at.state()).type(), clock.instant());
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
        resumeWhenDue(execution, epoch);
        scheduleMachineTimeout(execution, epoch);
    }

    /** Runs the execution (or a branch) on from its position: now, or when its wait or back-off is due. */
    void resumeWhenDue(Execution execution, int epoch) {
        Position at = execution.position();
        Duration due = at.resumeAt() == null ? Duration.ZERO : Duration.between(clock.instant(), at.resumeAt());
        advanceAfter(execution, epoch, due.isNegative() ? Duration.ZERO : due, at);
    }

    /**
     * Runs the execution on after {@code delay} if it still stands at {@code parked} then. Whoever wakes a parked
     * execution (this timer, an answer to its task token, a heartbeat) first takes it from that position under its
     * lock chain ({@link #unpark}), so that exactly one of them runs it on.
     */
    private void advanceAfter(Execution execution, int epoch, Duration delay, Position parked) {
        Runnable wake = () -> {
            if (unpark(execution, parked)) {
                advance(execution, epoch);
            }
        };
        if (delay.isZero()) {
            scheduler.run(wake);
        } else {
            scheduler.after(delay, wake);
        }
    }

    /** Takes the execution from position {@code parked} to run it on; false if something moved it since. */
    private static boolean unpark(Execution execution, Position parked) {
        boolean[] taken = new boolean[1];
        execution.atomically(() -> {
            if (execution.position() == parked) {
                execution.moveTo(parked.resumingAt(null));
                taken[0] = true;
            }
        });
        return taken[0];
    }

    /**
     * The task token {@code token} names an execution (the ARN); null if it is not a token this engine gives. The
     * caller finds that execution (here or in the store) and answers it with {@link #answer} or {@link #heartbeat}.
     */
    public static String executionOf(String token) {
        TaskTokens.Target target = TaskTokens.target(token);
        return target == null ? null : target.executionArn();
    }

    /**
     * SendTaskSuccess ({"output": ...}) or SendTaskFailure ({"error", "cause"}): the answer the Task waiting on
     * {@code token} in {@code execution} (or one of its branches) goes on with, committed before this returns. False
     * when nothing waits on that token: the task ended (answered, timed out, retried) or the execution did.
     */
    public boolean answer(Execution execution, String token, JsonNode outcome) {
        return waitingOn(execution, token, (branch, callback) -> {
            Position at = branch.position();
            if (!clock.instant().isBefore(callback.due())) {
                return null; // too late: its deadline passed, and its timeout is under way
            }
            // parked: this answer takes it and runs it on; else its run, still under way, finds the answer
            Position answered = at.withCallback(callback.answered(outcome));
            branch.moveTo(at.resumeAt() != null ? answered.resumingAt(null) : answered);
            return at.resumeAt() != null ? Wake.NOW : Wake.NONE;
        });
    }

    /** SendTaskHeartbeat: the Task waiting on {@code token} gets HeartbeatSeconds more; false as for {@link #answer}. */
    public boolean heartbeat(Execution execution, String token) {
        return waitingOn(execution, token, (branch, callback) -> {
            Position at = branch.position();
            if (!clock.instant().isBefore(callback.due())) {
                return null; // too late: its deadline passed
            }
            if (callback.heartbeatSeconds() == null) {
                return Wake.NONE; // taken, as AWS takes it, with nothing to extend
            }
            Position.Callback beaten = callback.beating(clock.instant());
            branch.moveTo(at.withCallback(beaten).resumingAt(at.resumeAt() == null ? null : beaten.due()));
            return at.resumeAt() != null ? Wake.LATER : Wake.NONE; // parked: its wait, due later, is scheduled again
        });
    }

    /**
     * GetActivityTask gave the task waiting on {@code token} to worker {@code workerName}: ActivityStarted, committed
     * before the worker gets the task; false as for {@link #answer} (the worker then gets another task).
     */
    public boolean activityStarted(Execution execution, String token, String workerName) {
        return waitingOn(execution, token, (branch, callback) -> {
            if (!clock.instant().isBefore(callback.due())) {
                return null; // too late: its deadline passed
            }
            ObjectNode details = object();
            if (workerName != null) {
                details.put("workerName", workerName);
            }
            branch.record(clock.instant(), "ActivityStarted", "activityStartedEventDetails", details);
            return Wake.NONE;
        });
    }

    /** What an answer or heartbeat leaves to do: run the execution on now, schedule its new deadline, or nothing. */
    private enum Wake {
        NOW,
        LATER,
        NONE
    }

    private interface Change {
        /** Changes the waiting branch (under its lock chain); null when it refuses (the token is no longer answered). */
        Wake apply(Execution branch, Position.Callback callback);
    }

    private boolean waitingOn(Execution execution, String token, Change change) {
        TaskTokens.Target target = TaskTokens.target(token);
        if (target == null || !target.executionArn().equals(execution.arn())) {
            return false;
        }
        Execution branch = execution;
        for (int index : target.branchPath()) {
            FanOutRun fanOut = branch.fanout;
            branch = fanOut == null ? null : fanOut.branch(index);
            if (branch == null) {
                return false;
            }
        }
        Execution waiting = branch;
        int epoch = waiting.epoch();
        Wake[] wake = new Wake[1];
        Position[] moved = new Position[1];
        waiting.atomically(() -> {
            Position.Callback callback = waiting.position().callback();
            if (waiting.status() == Execution.Status.RUNNING && waiting.live(epoch) && callback != null
                    && callback.token().equals(token) && callback.outcome() == null) {
                wake[0] = change.apply(waiting, callback);
                moved[0] = waiting.position();
            }
        });
        if (wake[0] == null) {
            return false;
        }
        try {
            commit(waiting, epoch);
        } catch (Abandoned e) {
            return false; // stopped or redriven meanwhile
        }
        if (wake[0] == Wake.NOW) {
            scheduler.run(() -> advance(waiting, epoch));
        } else if (wake[0] == Wake.LATER) {
            Duration left = Duration.between(clock.instant(), moved[0].resumeAt());
            advanceAfter(waiting, epoch, left.isNegative() ? Duration.ZERO : left, moved[0]);
        }
        return true;
    }

    /** The run of this execution has been ended from outside (stop, timeout) or redriven: what it was doing is dropped. */
    static final class Abandoned extends RuntimeException {
        Abandoned() {
            super(null, null, false, false);
        }
    }

    /** Commits what run {@code epoch} of the execution did; an abandoned run commits nothing and stops. */
    void commit(Execution execution, int epoch) {
        if (!execution.commitTo(store, epoch)) {
            throw new Abandoned();
        }
        if (execution.status() != Execution.Status.RUNNING && !execution.isBranch()) {
            observer.endCommitted(execution);
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
        int epoch = execution.epoch();
        new StepRun(this, execution, epoch).place(machine.startAt(), input);
        commit(execution, epoch);
        observer.running(execution);
        scheduleMachineTimeout(execution, epoch);
        scheduler.run(() -> advance(execution, epoch));
        return execution;
    }

    /** The machine's TimeoutSeconds, counted from the start or, after a redrive, from the redrive (as AWS does). */
    private void scheduleMachineTimeout(Execution execution, int epoch) {
        Long timeout = execution.machine().timeoutSeconds();
        if (timeout != null) {
            long seconds = timeout;
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
            execution.trace = null;
            trace(execution, "redriven");
            commit(execution, epoch);
            observer.running(execution);
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

    void commitQuietly(Execution execution, int epoch) {
        try {
            commit(execution, epoch);
        } catch (Abandoned e) {
            // ended from outside meanwhile
        } catch (RuntimeException e) {
            LOG.errorf(e, "execution %s: its last transition could not be committed", execution.arn());
        }
    }

    /**
     * Runs run {@code epoch} of the execution on from its current state, committing after each transition, until
     * it waits (a Wait, a back-off: it is scheduled again), is suspended (its branches run), or ends.
     */
    void advance(Execution execution, int epoch) {
        if (!execution.live(epoch)) {
            return;
        }
        try {
            if (execution.position().resumeAt() != null) {
                execution.moveTo(execution.position().resumingAt(null));
            }
            while (execution.status() == Execution.Status.RUNNING) {
                State state = execution.machine().state(execution.position().state());
                Duration wait = state.run(new StepRun(this, execution, epoch));
                if (wait == Step.SUSPENDED) {
                    return;
                }
                if (wait != null) {
                    Instant due = clock.instant().plus(wait);
                    Position[] parked = new Position[1];
                    execution.atomically(() -> { // an answer to its token, once it is parked, runs it on (answer)
                        Position at = execution.position();
                        if (at.callback() == null || at.callback().outcome() == null) {
                            parked[0] = at.resumingAt(due);
                            execution.moveTo(parked[0]);
                        }
                    });
                    if (parked[0] == null) {
                        continue; // the answer came while the task was being submitted
                    }
                    commit(execution, epoch);
                    advanceAfter(execution, epoch, wait, parked[0]);
                    return;
                }
                if (!enteredTask(execution) || execution.transaction != null) {
                    commit(execution, epoch);
                }
            }
        } catch (Abandoned e) {
            // This run was stopped, timed out or redriven meanwhile: what it was doing is not its to finish.
        } catch (ExecutionStore.Unavailable | java.util.concurrent.RejectedExecutionException e) {
            LOG.errorf(e, "execution %s stops in this process; it goes on from its last commit when resumed", execution.arn());
        } catch (StatesFailure failed) {
            StepRun step = new StepRun(this, execution, epoch);
            StatesFailure e = step.located(failed);
            step.fail(e.error(), e.cause());
            commitQuietly(execution, epoch);
        } catch (RuntimeException | Error e) {
            execution.rollback(epoch); // a transactional task's work, if one broke: the failure commits without it
            LOG.errorf(e, "execution %s broke in state %s", execution.arn(), execution.position().state());
            new StepRun(this, execution, epoch).fail(StatesFailure.RUNTIME, String.valueOf(e));
            commitQuietly(execution, epoch);
        } finally {
            execution.rollback(epoch); // whatever this run leaves without committing it (a stop, a lost lease)
        }
    }

    /**
     * A Task just entered commits its transition together with its scheduling, right before it is
     * invoked: one commit instead of two, and still nothing of the task happens before the
     * transition is durable.
     */
    private static boolean enteredTask(Execution execution) {
        return execution.status() == Execution.Status.RUNNING
                && execution.machine().state(execution.position().state()).invokes();
    }

    /** The {error, cause} of an event's details, each only when there is one. */
    static ObjectNode errorDetails(String error, String cause) {
        ObjectNode details = object();
        if (error != null) {
            details.put("error", error);
        }
        if (cause != null) {
            details.put("cause", cause);
        }
        return details;
    }

    static ObjectNode object() {
        return JsonPaths.MAPPER.createObjectNode();
    }
}
