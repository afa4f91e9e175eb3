package io.sagaline.asl.states;

import java.time.Duration;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import io.sagaline.asl.StatesFailure;
import io.sagaline.asl.query.JsonataQueries;

/** A Fail: ends its scope with its Error and Cause, each a string, a path to one (JSONPath) or an expression (JSONata). */
public final class FailState extends State {

    private static final Set<String> JSONPATH = Set.of("Error", "Cause", "ErrorPath", "CausePath");
    private static final Set<String> JSONATA = Set.of("Error", "Cause");

    private final JsonNode error;
    private final JsonNode cause;
    private final Path errorPath;
    private final Path causePath;

    FailState(Definition d) {
        super(d.only("Fail", JSONPATH, JSONATA), Query.parse(d, false, false, false), null);
        if (d.has("Error") && d.has("ErrorPath") || d.has("Cause") && d.has("CausePath")) {
            throw d.refused("Error", "use either Error or ErrorPath, Cause or CausePath");
        }
        this.error = d.jsonata ? d.expression("Error") : d.get("Error");
        this.cause = d.jsonata ? d.expression("Cause") : d.get("Cause");
        this.errorPath = d.jsonata ? null : d.path("ErrorPath");
        this.causePath = d.jsonata ? null : d.path("CausePath");
    }

    @Override
    public String type() {
        return "Fail";
    }

    @Override
    public Duration run(Step s) {
        s.fail(text(s, error, errorPath, "Error"), text(s, cause, causePath, "Cause"));
        return null;
    }

    private String text(Step s, JsonNode literal, Path path, String field) {
        if (path != null) {
            JsonNode value = s.paths().resolve(path.value());
            if (!value.isTextual()) {
                throw StatesFailure.runtime("'" + path.value() + "' selected " + value + ", not a string");
            }
            return value.asText();
        }
        if (literal == null) {
            return null;
        }
        if (!jsonata()) {
            return literal.asText(null);
        }
        JsonNode value = JsonataQueries.evaluate(literal, s.bindings(), field);
        if (!value.isTextual()) {
            throw query.wrong("the Fail state's " + field + " is " + value + ", not a string");
        }
        return value.asText();
    }
}
