package io.sagaline.asl.query.intrinsics;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

/** {@code States.Array}: An array of its arguments. */
final class ArrayOf extends IntrinsicFunction {

    ArrayOf() {
        super("States.Array", 0, Integer.MAX_VALUE);
    }

    @Override
    JsonNode apply(List<JsonNode> a) {
        ArrayNode array = NODES.arrayNode();
        a.forEach(array::add);
        return array;
    }
}
