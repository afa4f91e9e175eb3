package io.sagaline.asl.query.intrinsics;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

/** {@code States.ArrayUnique}: An array without its repeated values, in first-seen order. */
final class ArrayUnique extends IntrinsicFunction {

    ArrayUnique() {
        super("States.ArrayUnique", 1);
    }

    @Override
    JsonNode apply(List<JsonNode> a) {
        Set<JsonNode> seen = new LinkedHashSet<>();
        array(a.get(0)).forEach(seen::add);
        ArrayNode unique = NODES.arrayNode();
        seen.forEach(unique::add);
        return unique;
    }
}
