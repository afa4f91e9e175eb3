package io.sagaline.asl.states;

import com.fasterxml.jackson.databind.JsonNode;

/** Where a state goes when it is done: the state named by Next, or the end of its scope (End: true). */
record Transition(String next) {

    static Transition parse(Definition d) {
        boolean end = d.json.path("End").asBoolean(false);
        if (end == d.has("Next")) {
            throw d.refused("Next", "exactly one of Next and End: true is required");
        }
        return new Transition(d.target("Next", d.get("Next")));
    }

    boolean end() {
        return next == null;
    }

    void exit(Step s, JsonNode output) {
        if (end()) {
            s.end(output);
        } else {
            s.next(next, output);
        }
    }
}
