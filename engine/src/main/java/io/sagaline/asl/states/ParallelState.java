package io.sagaline.asl.states;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import io.sagaline.asl.StateMachine;

/** A Parallel: runs each of its Branches on the same input, at once; its result is their outputs, in order. */
public final class ParallelState extends FanOut {

    private static final Set<String> JSONPATH = Set.of("Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters",
            "ResultSelector", "Branches", "Retry", "Catch", "Assign");
    private static final Set<String> JSONATA = Set.of("Next", "End", "Branches", "Arguments", "Output", "Assign", "Retry",
            "Catch");

    private final List<StateMachine> branches;

    ParallelState(Definition d) {
        super(d.only("Parallel", JSONPATH, JSONATA), Query.parse(d, true, true, true));
        JsonNode json = d.json.path("Branches");
        if (!json.isArray() || json.isEmpty()) {
            throw d.refused("Branches", "a Parallel needs a non-empty Branches array");
        }
        List<StateMachine> machines = new ArrayList<>();
        for (int i = 0; i < json.size(); i++) {
            machines.add(d.nested("Branches/" + i, json.get(i)));
        }
        this.branches = List.copyOf(machines);
    }

    @Override
    public String type() {
        return "Parallel";
    }

    @Override
    public boolean map() {
        return false;
    }

    @Override
    Plan plan(Step s) {
        JsonNode input = query.payload(s, query.effectiveInput(s));
        return new Plan(branches, Collections.nCopies(branches.size(), input), null, Tolerance.NONE);
    }

    @Override
    public List<StateMachine> nested() {
        return branches;
    }
}
