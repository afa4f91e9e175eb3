package io.sagaline.asl.states;

import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/** One catcher of a Catch field: the errors it catches, where it goes, and what it makes of the error output. */
record Catcher(List<String> errorEquals, String next, Path resultPath, JsonNode output, JsonNode assign) {

    static Catcher parse(Definition d, String field, JsonNode c, boolean last) {
        List<String> errors = d.errorEquals(field, c, last);
        if (!c.has("Next")) {
            throw d.refused(field + ".Next", "a catcher needs a Next");
        }
        String next = d.target(field + ".Next", c.get("Next"));
        Set<String> allowed = Set.of("ErrorEquals", "Next", "Assign", "Comment", d.jsonata ? "Output" : "ResultPath");
        c.fieldNames().forEachRemaining(f -> {
            if (!allowed.contains(f)) {
                throw d.refused(field + "." + f, "not a field of a catcher" + (d.jsonata ? " in a JSONata state" : ""));
            }
        });
        return new Catcher(errors, next, d.jsonata ? null : d.path(c, "ResultPath", true),
                d.jsonata ? d.expression(field + ".Output", c.get("Output")) : null,
                d.assign(field + ".Assign", c.get("Assign")));
    }
}
