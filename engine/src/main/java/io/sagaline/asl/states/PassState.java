package io.sagaline.asl.states;

import java.time.Duration;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/** A Pass: passes its input on, or its Result (JSONPath) or Output (JSONata), doing no work. */
public final class PassState extends State {

    private static final Set<String> JSONPATH = Set.of("Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters",
            "Result", "Assign");
    private static final Set<String> JSONATA = Set.of("Next", "End", "Output", "Assign");

    private final JsonNode result;

    PassState(Definition d) {
        super(d.only("Pass", JSONPATH, JSONATA), Query.parse(d, true, false, true), Transition.parse(d));
        this.result = d.get("Result");
    }

    @Override
    public String type() {
        return "Pass";
    }

    @Override
    public Duration run(Step s) {
        transition.exit(s, query.pass(s, result, assign));
        return null;
    }
}
