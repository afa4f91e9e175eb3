package io.sagaline.asl;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.asl.states.FanOut;

/**
 * The branches or iterations of one Parallel or Map state in one run of its execution: starts
 * them (at most MaxConcurrency at once), records each end in the execution and commits it,
 * cancels the rest on a failure, and resumes the execution when the last one has ended.
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
        StateMachine machine = plan.machine(index);
        Execution branch = Execution.branch(parent, run, machine);
        branch.traceHeader = parent.traceHeader;
        branch.trace = ExecutionTrace.begin(engine.tracer, branch, engine.trace(parent, "resumed").stateContext(), now(),
                "started", null);
        running.put(index, branch);
        traced.add(branch);
        if (map) {
            parent.record(now(), "MapIterationStarted", "mapIterationStartedEventDetails", iteration(index));
        }
        new StepRun(engine, branch, branch.epoch()).place(machine.startAt(), inputs.get(index));
        branch.finished().thenRun(() -> engine.scheduler.run(() -> ended(index, branch)));
        engine.scheduler.run(() -> engine.advance(branch, branch.epoch()));
    }

    private Instant now() {
        return engine.clock.instant();
    }

    private ObjectNode iteration(int index) {
        return Interpreter.object().put("name", stateName).put("index", index);
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
            end = Interpreter.object().set("output", branch.output());
            if (map) {
                parent.record(now(), "MapIterationSucceeded", "mapIterationSucceededEventDetails",
                        iteration(index));
            }
        } else {
            end = Interpreter.errorDetails(branch.error(), branch.cause()).put("failed", true);
            failed++;
            if (map) {
                parent.record(now(), "MapIterationFailed", "mapIterationFailedEventDetails", iteration(index));
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
                        parent.record(now(), "MapIterationAborted", "mapIterationAbortedEventDetails",
                                iteration(i));
                    }
                });
                running.clear();
            }
        }
        parent.branchEnded(index, end);
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
