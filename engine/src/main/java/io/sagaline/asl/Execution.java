package io.sagaline.asl;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.asl.query.JsonPaths;

/** One run of a state machine: where it stands, and the history of how it got there. */
public final class Execution {

    public enum Status {
        RUNNING,
        SUCCEEDED,
        FAILED,
        TIMED_OUT,
        ABORTED
    }

    private final String arn;
    private final String name;
    private final String stateMachineArn;
    private final StateMachine machine;
    private final JsonNode input;
    private final Instant startDate;
    private final List<HistoryEvent> history = new ArrayList<>();
    private volatile CompletableFuture<Execution> finished = new CompletableFuture<>();

    private volatile Status status = Status.RUNNING;
    private JsonNode output;
    private int redriveCount;
    private Instant redriveDate;
    private String error;
    private String cause;
    private Instant stopDate;

    /** Where the execution stands: replaced, never changed, on each transition ({@link #moveTo}). */
    private Position position;
    /** The variables of this scope (Assign), as of the last state exited. */
    private ObjectNode variables;
    /** What the current state assigns: applied when it exits, so the state itself sees the values it entered with. */
    ObjectNode pendingAssign;
    /** The branches or iterations running in this process for the current Parallel or Map state. */
    volatile FanOutRun fanout;
    private int committedEvents;
    /** The X-Ray trace header the execution is traced under (StartExecution's, or the one it began). */
    String traceHeader;
    /** Its spans in this process: null until it runs here; ended with it. */
    volatile ExecutionTrace trace;

    /**
     * For a branch of a Parallel or an iteration of a Map: the execution whose history it writes
     * to, and the run of it that started the branch. A branch lives only as long as that run does.
     */
    private final Execution parent;
    private final int parentEpoch;
    /** For a branch: its place among its parent's branches. */
    private final int index;
    /** Set when a sibling branch failed or the Map's failure tolerance was exceeded: the branch stops. */
    volatile boolean cancelled;

    /** Everything needed to continue an execution, and the events added since the last commit. */
    public record Commit(String arn, String name, String stateMachineArn, String machineName, JsonNode definition,
            JsonNode input, Instant startDate, Status status, JsonNode output, String error, String cause, Instant stopDate,
            String state, JsonNode stateInput, Instant stateEnteredTime, int[] retryAttempts, int retryCount,
            Instant resumeAt, int redriveCount, Instant redriveDate, JsonNode branches, JsonNode variables,
            List<HistoryEvent> events, boolean first, String traceHeader, long lease, JsonNode callback) {
    }

    /**
     * The generation of the lease under which this copy of the execution runs: 0 when it starts, and as the store
     * gave it when it was restored. A store that lets several engines share executions refuses the commit of an
     * older generation ({@link ExecutionStore.LeaseLost}), so that an execution taken over from an engine thought
     * dead never goes on in two places.
     */
    private long lease;

    /**
     * Which run of the execution a worker belongs to: StopExecution, a machine timeout and
     * RedriveExecution start a new one, and whatever the previous run still had under way
     * (a task in flight, a pending wait) is then abandoned instead of going on.
     */
    private int epoch;
    /** A commit failed: what is in memory is ahead of the store; the store's version must be reloaded. */
    volatile boolean stalled;

    synchronized int epoch() {
        return epoch;
    }

    /**
     * Whether run {@code run} of this execution may still go on: it is the current run, and for a
     * branch, the branch was not cancelled and the run of its parent that started it goes on too.
     */
    boolean live(int run) {
        return run == epoch() && !cancelled && (parent == null ? !stalled : parent.live(parentEpoch));
    }

    /**
     * A branch stops: set under the parent's lock, so that a branch thread already waiting for that
     * lock to commit or record finds it stopped once it gets in.
     */
    void cancel() {
        synchronized (parent) {
            cancelled = true;
        }
        ExecutionTrace spans = trace;
        if (spans != null) {
            spans.closed(Status.ABORTED, "States.BranchFailed", Instant.now());
        }
    }

    boolean isBranch() {
        return parent != null;
    }

    /** For a branch: the execution or branch it runs in; null for an execution. */
    Execution parent() {
        return parent;
    }

    /** For a branch: its place among its parent's branches. */
    int index() {
        return index;
    }

    /** Whether a commit failed in this process, leaving memory ahead of the store. */
    public boolean stalled() {
        return stalled;
    }

    /**
     * Makes what changed since the last commit durable through {@code store}, holding this
     * execution's lock so that commits from different threads reach the store in order; only once
     * the store has it are the events counted as committed. Refused (false) when {@code epoch} is
     * no longer this execution's: an abandoned run commits nothing.
     */
    /** A transactional task's transaction, open until the next commit of its run, which goes through it. */
    ExecutionStore.Transaction transaction;
    /** The run (epoch) whose task opened {@link #transaction}: a stop's or a timeout's commit does not go through it. */
    int transactionEpoch;

    /** Rolls back the transaction run {@code epoch}'s transactional task left open (another run's is its own). */
    synchronized void rollback(int epoch) {
        if (transaction != null && transactionEpoch == epoch) {
            ExecutionStore.Transaction open = transaction;
            transaction = null;
            open.rollback();
        }
    }

    /** Opens run {@code epoch}'s transaction for its task; false (the task then runs on its own) while another is open. */
    synchronized boolean open(ExecutionStore.Transaction opened, int epoch) {
        if (transaction != null) {
            return false;
        }
        transaction = opened;
        transactionEpoch = epoch;
        return true;
    }

    synchronized boolean commitTo(ExecutionStore store, int epoch) {
        if (parent != null) {
            // A branch's transitions are its parent's history, and its position one of the parent's branches
            // (moveTo): both commit with the parent, so that after a crash the branch goes on where it stood.
            if (status != Status.RUNNING) {
                return true; // its end reaches the parent through the Fanout, which commits it
            }
            synchronized (parent) {
                return live(epoch) && parent.commitTo(store, parentEpoch);
            }
        }
        if (epoch != this.epoch) {
            return false;
        }
        Commit commit = pendingCommit();
        ExecutionStore.Transaction open = transactionEpoch == epoch ? transaction : null;
        if (open != null) {
            transaction = null;
        }
        try {
            if (open != null) {
                open.commit(commit);
            } else {
                store.commit(commit);
            }
        } catch (RuntimeException e) {
            stalled = true;
            throw e;
        }
        committedEvents += commit.events().size();
        return true;
    }

    private Commit pendingCommit() {
        List<HistoryEvent> events = List.copyOf(history.subList(committedEvents, history.size()));
        Position at = position;
        return new Commit(arn, name, stateMachineArn, machine.name(), machine.definition(), input, startDate, status, output,
                error, cause, stopDate, at.state(), at.input(), at.enteredTime(), at.retryAttempts(), at.retryCount(),
                at.resumeAt(), redriveCount, redriveDate, at.branches() == null ? null : at.branches().toJson(),
                variables == null ? null : variables.deepCopy(), events, committedEvents == 0, traceHeader, lease,
                at.callback() == null ? null : at.callback().toJson());
    }

    /** An execution as its last commit left it, ready to go on. */
    public static Execution restore(Commit c, StateMachine machine, List<HistoryEvent> history) {
        Execution e = new Execution(c.arn(), c.name(), c.stateMachineArn(), machine, c.input(), c.startDate());
        e.history.addAll(history);
        e.committedEvents = history.size();
        e.status = c.status();
        e.output = c.output();
        e.error = c.error();
        e.cause = c.cause();
        e.stopDate = c.stopDate();
        e.position = new Position(c.state(), c.stateInput(), c.stateEnteredTime(),
                c.retryAttempts() == null ? new int[0] : c.retryAttempts(), c.retryCount(), c.resumeAt(),
                Branches.fromJson(c.branches()), enteredEventId(history, c.state()), Position.Callback.fromJson(c.callback()));
        e.redriveCount = c.redriveCount();
        e.redriveDate = c.redriveDate();
        e.variables = c.variables() instanceof ObjectNode object ? object : null;
        e.traceHeader = c.traceHeader();
        e.lease = c.lease();
        if (c.status() != Status.RUNNING) {
            e.finished.complete(e);
        }
        return e;
    }

    /** The id of the last event that entered {@code state} (the history is the execution's own, its branches' included). */
    private static long enteredEventId(List<HistoryEvent> history, String state) {
        for (int i = history.size() - 1; i >= 0; i--) {
            HistoryEvent event = history.get(i);
            if (event.type().endsWith("StateEntered") && event.details() != null
                    && state != null && state.equals(event.details().path("name").asText(null))) {
                return event.id();
            }
        }
        return 0;
    }

    Execution(String arn, String name, String stateMachineArn, StateMachine machine, JsonNode input, Instant startDate) {
        this(arn, name, stateMachineArn, machine, input, startDate, null, 0, -1);
    }

    /**
     * Branch {@code index} of a Parallel or iteration {@code index} of a Map, run by {@code machine}, of the parent's
     * run {@code parentEpoch}.
     */
    static Execution branch(Execution parent, int parentEpoch, StateMachine machine, int index) {
        return new Execution(parent.arn, parent.name, parent.stateMachineArn, machine, parent.input, parent.startDate,
                parent, parentEpoch, index);
    }

    private Execution(String arn, String name, String stateMachineArn, StateMachine machine, JsonNode input,
            Instant startDate, Execution parent, int parentEpoch, int index) {
        this.parent = parent;
        this.parentEpoch = parentEpoch;
        this.index = index;
        this.arn = arn;
        this.name = name;
        this.stateMachineArn = stateMachineArn;
        this.machine = machine;
        this.input = input;
        this.startDate = startDate;
    }

    /** A variable as this scope sees it: its own, else the enclosing scope's; null when none is set. */
    synchronized JsonNode variable(String name) {
        JsonNode own = variables == null ? null : variables.get(name);
        return own != null || parent == null ? own : parent.variable(name);
    }

    /** Every variable this scope sees, the innermost value of each name. */
    synchronized Map<String, JsonNode> visibleVariables() {
        Map<String, JsonNode> visible = parent == null ? new LinkedHashMap<>() : parent.visibleVariables();
        if (variables != null) {
            variables.fields().forEachRemaining(f -> visible.put(f.getKey(), f.getValue()));
        }
        return visible;
    }

    synchronized void assign(ObjectNode values) {
        if (variables == null) {
            variables = JsonPaths.MAPPER.createObjectNode();
        }
        variables.setAll(values);
    }

    /** Where the execution stands now. */
    synchronized Position position() {
        return position;
    }

    /**
     * The one way the execution moves: its position is replaced by {@code next}. A branch's position is also its
     * entry among its parent's branches, replaced with it under the parent's lock (and so on up), so that whatever
     * the parent commits next, from whichever branch's thread, has the branch where it stands; once the branch is
     * cancelled or its parent's run has ended, the parent no longer hears of it.
     */
    synchronized void moveTo(Position next) {
        position = next;
        if (parent != null) {
            JsonNode entry = Branches.runningAt(next, variables == null ? null : variables.deepCopy()); // outside the parent's lock
            synchronized (parent) {
                if (!cancelled && parent.live(parentEpoch)) {
                    parent.branchStands(index, entry);
                }
            }
        }
    }

    /**
     * Enters the state of {@code next}, recording {@code type} and moving there as one step (a commit from another
     * thread sees both or neither); the position keeps the id of that event.
     */
    void enter(Position next, Instant at, String type, String detailsKey, ObjectNode details) {
        atomically(() -> {
            HistoryEvent entered = record(at, type, detailsKey, details);
            moveTo(entered == null ? next : next.enteredBy(entered.id()));
        });
    }

    /**
     * Runs {@code work} holding this execution's lock and every enclosing one's, innermost first (the one order in
     * which the engine takes them): what it records and moves reaches the parent's next commit whole or not at all.
     */
    void atomically(Runnable work) {
        synchronized (this) {
            if (parent == null) {
                work.run();
            } else {
                parent.atomically(work);
            }
        }
    }

    /** A branch found running in its parent's committed entry: it goes on from {@code at} with those variables. */
    synchronized void restoreBranch(Position at, JsonNode scope) {
        position = at;
        variables = scope instanceof ObjectNode object ? object.deepCopy() : null;
    }

    /** Sets how branch {@code index} of the running Parallel or Map state stands (running, succeeded, failed). */
    synchronized void branchStands(int index, JsonNode end) {
        Branches branches = position.branches();
        if (branches != null && index < branches.size()) {
            moveTo(position.withBranches(branches.with(index, end)));
        }
    }

    /** Appends a transition; once the execution has ended (a timeout may end it mid-step), nothing more is recorded. */
    synchronized HistoryEvent record(Instant at, String type, String detailsKey, ObjectNode details) {
        if (status != Status.RUNNING && !closing) {
            return null;
        }
        if (parent != null) {
            // A branch's transitions are the parent's history, as in AWS.
            synchronized (parent) {
                return cancelled || !parent.live(parentEpoch) ? null : parent.record(at, type, detailsKey, details);
            }
        }
        long id = history.size() + 1;
        HistoryEvent event = new HistoryEvent(id, id - 1, at, type, detailsKey, details);
        history.add(event);
        return event;
    }

    private boolean closing;

    /**
     * The run's own end (a Succeed or Fail state, an End, an uncaught error), unless the execution
     * has already ended: {@code lastEvents} records its closing event(s), then the status changes.
     * Returns whether this call ended it.
     */
    synchronized boolean finish(Status terminal, JsonNode output, String error, String cause, Instant at,
            Runnable lastEvents) {
        if (status != Status.RUNNING) {
            return false;
        }
        if (parent == null) {
            close(terminal, output, error, cause, at, lastEvents);
        } else {
            // A branch's end and its entry among the parent's branches change together.
            atomically(() -> {
                close(terminal, output, error, cause, at, lastEvents);
                Runnable hook = whenEnded;
                if (hook != null && !cancelled && parent.live(parentEpoch)) {
                    hook.run();
                }
            });
        }
        return true;
    }

    /** For a branch: what its Parallel or Map records of its end, run with its end under every enclosing lock. */
    private Runnable whenEnded;

    void whenEnded(Runnable hook) {
        this.whenEnded = hook;
    }

    /**
     * An end from outside the run (StopExecution, the machine's TimeoutSeconds), for the run of
     * {@code expectedEpoch}: it starts a new epoch, so the run's worker abandons what it was doing.
     * Returns the epoch to commit under, or -1 if this call did not end the execution.
     */
    synchronized int endFromOutside(Status terminal, String error, String cause, Instant at, Runnable lastEvents,
            int expectedEpoch) {
        if (status != Status.RUNNING || expectedEpoch != epoch) {
            return -1;
        }
        epoch++;
        close(terminal, null, error, cause, at, lastEvents);
        return epoch;
    }

    private void close(Status terminal, JsonNode output, String error, String cause, Instant at, Runnable lastEvents) {
        closing = true;
        try {
            lastEvents.run();
        } finally {
            closing = false;
        }
        this.status = terminal;
        this.output = output;
        this.error = error;
        this.cause = cause;
        this.stopDate = at;
        ExecutionTrace spans = trace;
        if (spans != null) {
            spans.closed(terminal, error, at);
        }
        FanOutRun running = fanout;
        if (running != null && terminal != Status.SUCCEEDED) {
            running.endTraces(at); // its branches stop with it: their spans end now
        }
        finished.complete(this);
    }

    /**
     * RedriveExecution: a FAILED, TIMED_OUT or ABORTED execution runs again from the state where it
     * stopped, with that state's input, its retries counted afresh, entered anew at {@code at}. Returns false if it is not
     * redrivable.
     */
    synchronized boolean reopen(Instant at, Runnable redrivenEvent) {
        if (status == Status.RUNNING || status == Status.SUCCEEDED) {
            return false;
        }
        status = Status.RUNNING;
        error = null;
        cause = null;
        stopDate = null;
        output = null;
        redriveCount++;
        redriveDate = at;
        position = position.redriven(at);
        finished = new CompletableFuture<>();
        epoch++;
        stalled = false;
        redrivenEvent.run();
        return true;
    }

    /** X-Ray's trace header of the trace this execution is part of (DescribeExecution's {@code traceHeader}). */
    public String traceHeader() {
        return traceHeader;
    }

    public synchronized int redriveCount() {
        return redriveCount;
    }

    public synchronized Instant redriveDate() {
        return redriveDate;
    }

    public String arn() {
        return arn;
    }

    public String name() {
        return name;
    }

    public String stateMachineArn() {
        return stateMachineArn;
    }

    public StateMachine machine() {
        return machine;
    }

    public JsonNode input() {
        return input;
    }

    public Instant startDate() {
        return startDate;
    }

    public Status status() {
        return status;
    }

    public synchronized JsonNode output() {
        return output;
    }

    public synchronized String error() {
        return error;
    }

    public synchronized String cause() {
        return cause;
    }

    public synchronized Instant stopDate() {
        return stopDate;
    }

    public synchronized List<HistoryEvent> history() {
        return List.copyOf(history);
    }

    /** Blocks until the execution ends or the time runs out; returns whether it ended. */
    public boolean awaitEnd(long timeout, TimeUnit unit) {
        try {
            finished.get(timeout, unit);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    public CompletableFuture<Execution> finished() {
        return finished;
    }
}
