package io.sagaline.asl.states;

import java.time.Duration;
import java.util.Set;

/** A Succeed: ends its scope successfully with its (InputPath and OutputPath, or Output) input. */
public final class SucceedState extends State {

    SucceedState(Definition d) {
        super(fields(d), Query.parse(d, false, false, false), null);
    }

    private static Definition fields(Definition d) {
        d.onlyFields("Succeed", d.jsonata ? Set.of("Output") : Set.of("InputPath", "OutputPath"));
        return d;
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
