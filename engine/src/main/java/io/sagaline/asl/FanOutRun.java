package io.sagaline.asl;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.asl.states.FanOut;

/**
 * The branches or iterations of one Parallel or Map state in one run of its execution: starts
 * them (at most MaxConcurrency at once), or after a crash resumes them where their committed
 * positions left them, records each end in the execution and commits it, cancels the rest on a
 * failure, and resumes the execution when the last one has ended.
 */
final class FanOutRun {
    private final Execution parent;
    final int run;
    private final String stateName;
    private final boolean map;
    private final FanOut.Plan plan;
    private final List<JsonNode> inputs;
    private final int maxConcurrency;
    private final FanOut.Tolerance tolerance;
    private final Interpreter engine;
    private final Map<Integer, Execution> running = new HashMap<>();
    /** The branches running, readable without this object's lock (endTraces). */
    private final java.util.Set<Execution> traced = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private int next;
    private int failed;
    private StatesFailure failure;
    private boolean closed;

    FanOutRun(Interpreter engine, Execution parent, int run, String stateName, boolean map, FanOut.Plan plan) {
        this.engine = engine;
        this.parent = parent;
        this.run = run;
        this.stateName = stateName;
        this.map = map;
        this.plan = plan;
        this.inputs = plan.inputs();
        this.maxConcurrency = plan.maxConcurrency() == null ? 0 : plan.maxConcurrency();
        this.tolerance = plan.tolerance();
    }

    /**
     * Starts the branches not started yet and resumes those that were running; false when there is nothing to run
     * (every branch had ended, or the failures committed before a crash already fail the state).
     */
    synchronized boolean start() {
        Branches committed = parent.position().branches();
        for (int i = 0; i < inputs.size(); i++) {
            JsonNode end = committed.end(i);
            if (Branches.failed(end) && failedOnce(end.path("error").asText(null), end.path("cause").asText(null))) {
                return false;
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
            JsonNode end = parent.position().branches().end(index);
            if (end.isNull() || Branches.running(end)) {
                launch(index, end);
            }
        }
    }

    /** Branch {@code index} while it runs in this process; null otherwise. */
    synchronized Execution branch(int index) {
        return running.get(index);
    }

    /** Starts branch {@code index} from its start, or when {@code end} has it running, from where it stood. */
    private void launch(int index, JsonNode end) {
        StateMachine machine = plan.machine(index);
        Execution branch = Execution.branch(parent, run, machine, index);
        boolean resumed = Branches.running(end);
        if (resumed) {
            branch.restoreBranch(Position.fromJson(end.get("at")), end.get("variables"));
        }
        branch.traceHeader = parent.traceHeader;
        branch.trace = ExecutionTrace.begin(engine.tracer, branch, engine.trace(parent, "resumed").stateContext(), now(),
                resumed ? "resumed" : "started", null);
        running.put(index, branch);
        traced.add(branch);
        if (resumed) {
            Position at = branch.position();
            branch.trace.entered(at.state(), machine.state(at.state()).type(), now());
        } else {
            branch.atomically(() -> {
                if (map) {
                    parent.record(now(), "MapIterationStarted", "mapIterationStartedEventDetails", iteration(index));
                }
                new StepRun(engine, branch, branch.epoch()).place(machine.startAt(), inputs.get(index));
            });
        }
        branch.whenEnded(() -> recordEnd(index, branch));
        branch.finished().thenRun(() -> engine.scheduler.run(() -> ended(index, branch)));
        engine.resumeWhenDue(branch, branch.epoch());
    }

    /**
     * One more branch failed with {@code error} and {@code cause}: true, with the state's failure set and this run
     * closed, when that is more than the state tolerates (a Parallel tolerates none; a Map its threshold).
     */
    private boolean failedOnce(String error, String cause) {
        failed++;
        if (map && !tolerance.exceeded(failed, inputs.size())) {
            return false;
        }
        failure = map && tolerance.set()
                ? new StatesFailure("States.ExceedToleratedFailureThreshold",
                        failed + " of the Map's " + inputs.size() + " iterations failed, more than it tolerates")
                : new StatesFailure(error, cause);
        closed = true;
        return true;
    }

    private Instant now() {
        return engine.clock.instant();
    }

    private ObjectNode iteration(int index) {
        return Interpreter.object().put("name", stateName).put("index", index);
    }

    /**
     * Branch {@code index} ended: its entry among the parent's branches becomes its output or its failure, and a
     * Map records the iteration's end. Run by the branch's end, under its lock and every enclosing one, so that
     * no commit has the branch's last transition without its end (or the end without the transition).
     */
    private void recordEnd(int index, Execution branch) {
        ObjectNode end;
        if (branch.status() == Execution.Status.SUCCEEDED) {
            end = Interpreter.object().set("output", branch.output());
            if (map) {
                parent.record(now(), "MapIterationSucceeded", "mapIterationSucceededEventDetails", iteration(index));
            }
        } else {
            end = Interpreter.errorDetails(branch.error(), branch.cause()).put("failed", true);
            if (map) {
                parent.record(now(), "MapIterationFailed", "mapIterationFailedEventDetails", iteration(index));
            }
        }
        parent.branchStands(index, end);
    }

    /**
     * Branch {@code index} ended (its end is recorded, {@link #recordEnd}): a failure beyond what the state
     * tolerates cancels the others; the parent's commit makes the end durable; then more start, or the state goes on.
     */
    private synchronized void ended(int index, Execution branch) {
        traced.remove(branch);
        if (closed || running.remove(index) == null) {
            return;
        }
        if (!parent.live(run)) {
            closed = true;
            return;
        }
        if (branch.status() != Execution.Status.SUCCEEDED) {
            if (failedOnce(branch.error(), branch.cause())) {
                running.forEach((i, other) -> {
                    synchronized (parent) { // a branch's end and its entry change under this lock (recordEnd)
                        if (other.status() == Execution.Status.RUNNING) {
                            other.cancel();
                            if (map) {
                                parent.record(now(), "MapIterationAborted", "mapIterationAbortedEventDetails",
                                        iteration(i));
                            }
                        }
                    }
                });
                running.clear();
            }
        }
        try {
            engine.commit(parent, run);
        } catch (Interpreter.Abandoned e) {
            closed = true;
            return;
        } catch (RuntimeException e) {
            Interpreter.LOG.errorf(e, "execution %s stops in this process; it goes on from its last commit when resumed",
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
            engine.scheduler.run(() -> engine.advance(parent, run));
        }
    }
}
