package io.sagaline.asl.states;

import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

import io.sagaline.asl.StateMachine;
import io.sagaline.asl.StatesFailure;

/**
 * A state that runs nested machines and waits for them: a Parallel's branches, a Map's iterations. It plans them
 * (their machines and inputs), the interpreter runs them, and their outputs in order are its result; the first
 * failure (or, in a Map, more failures than it tolerates) is its error, to which its Retry and Catch apply.
 */
public abstract sealed class FanOut extends Recoverable permits ParallelState, MapState {

    /** What to run: one input per branch or iteration, each run by {@code machines.get(i)} (or the one machine). */
    public record Plan(List<StateMachine> machines, List<JsonNode> inputs, Integer maxConcurrency, Tolerance tolerance) {

        public StateMachine machine(int index) {
            return machines.size() == 1 ? machines.get(0) : machines.get(index);
        }
    }

    /** How the branches ended: the failure that ends the state, or (failure null) their outputs in order. */
    public record Outcome(StatesFailure failure, ArrayNode outputs) {
    }

    /**
     * How many of a Map's iterations may fail before the Map does; with neither field set, none may. A
     * Parallel's tolerance is {@link #NONE}.
     */
    public record Tolerance(Integer count, Double percentage) {

        public static final Tolerance NONE = new Tolerance(null, null);

        public boolean set() {
            return count != null || percentage != null;
        }

        public boolean exceeded(int failed, int total) {
            if (!set()) {
                return failed > 0;
            }
            return count != null && failed > count || percentage != null && failed * 100.0 / total > percentage;
        }
    }

    FanOut(Definition d, Query query) {
        super(d, query);
    }

    /** The branches or iterations to run, from the state's input. */
    abstract Plan plan(Step s);

    /** Whether it is a Map (whose iterations the history records one by one). */
    public abstract boolean map();

    @Override
    public Duration run(Step s) {
        Outcome outcome;
        try {
            outcome = s.fanOut(this, () -> plan(s));
        } catch (StatesFailure failure) {
            if (!query.recoverable(failure)) {
                throw failure;
            }
            return recover(s, failure);
        }
        if (outcome == null) {
            return Step.SUSPENDED;
        }
        if (outcome.failure() != null) {
            return recover(s, outcome.failure());
        }
        return succeeded(s, outcome.outputs());
    }
}
