package io.sagaline.asl.states;

import java.time.Duration;
import java.util.Set;

/** A Succeed: ends its scope successfully with its (InputPath and OutputPath, or Output) input. */
public final class SucceedState extends State {

    private static final Set<String> JSONPATH = Set.of("InputPath", "OutputPath");
    private static final Set<String> JSONATA = Set.of("Output");

    SucceedState(Definition d) {
        super(d.only("Succeed", JSONPATH, JSONATA), Query.parse(d, false, false, false), null);
    }

    @Override
    public String type() {
        return "Succeed";
    }

    @Override
    public Duration run(Step s) {
        s.end(query.output(s, query.effectiveInput(s)));
        return null;
    }
}
