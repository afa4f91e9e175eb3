package io.sagaline.asl;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.asl.query.JsonPaths;

/**
 * How the branches of a Parallel, or the iterations of a Map, stand while the state runs: one entry per branch,
 * committed with the execution so that a crash loses none of it (a redrive keeps only the ends that succeeded). An entry is
 * JSON null before the
 * branch starts, {@code {"at": position, "variables": {...}}} while it runs (every transition of the branch
 * replaces it, so after a crash the branch goes on from there, its waits included), {@code {"output": ...}} once it
 * succeeded and {@code {"failed": true, "error": ..., "cause": ...}} once it failed. A value, like {@link Position}.
 *
 * @param inputs a digest of the inputs the branches were started with: after a crash, entries computed from other
 *        inputs (an ItemSelector with {@code States.UUID()}, say) are not theirs
 */
record Branches(String inputs, List<JsonNode> ends) {

    Branches {
        ends = List.copyOf(ends);
    }

    /** {@code count} branches, none started yet. */
    static Branches fresh(String inputs, int count) {
        return new Branches(inputs, java.util.Collections.nCopies(count, NullNode.getInstance()));
    }

    int size() {
        return ends.size();
    }

    JsonNode end(int index) {
        return ends.get(index);
    }

    static boolean running(JsonNode end) {
        return end.has("at");
    }

    static boolean succeeded(JsonNode end) {
        return end.has("output");
    }

    static boolean failed(JsonNode end) {
        return end.has("failed");
    }

    Branches with(int index, JsonNode end) {
        List<JsonNode> changed = new ArrayList<>(ends);
        changed.set(index, end);
        return new Branches(inputs, changed);
    }

    /** A branch running at {@code position} with the variables of its scope. */
    static ObjectNode runningAt(Position position, JsonNode variables) {
        ObjectNode end = JsonPaths.MAPPER.createObjectNode();
        end.set("at", position.toJson());
        if (variables != null) {
            end.set("variables", variables);
        }
        return end;
    }

    /** After a redrive only the branches that succeeded keep their ends; the others run again from their start. */
    Branches redriven() {
        List<JsonNode> kept = ends.stream().map(e -> succeeded(e) ? e : (JsonNode) NullNode.getInstance()).toList();
        return new Branches(inputs, kept);
    }

    ObjectNode toJson() {
        ObjectNode json = JsonPaths.MAPPER.createObjectNode().put("inputs", inputs);
        ArrayNode array = json.putArray("ends");
        ends.forEach(array::add);
        return json;
    }

    static Branches fromJson(JsonNode json) {
        if (json == null || !(json.path("ends") instanceof ArrayNode array)) {
            return null;
        }
        List<JsonNode> ends = new ArrayList<>();
        array.forEach(ends::add);
        return new Branches(json.path("inputs").asText(null), ends);
    }
}
