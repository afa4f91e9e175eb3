package io.sagaline.asl.query.intrinsics;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code States.ArrayLength}: The length of an array. */
final class ArrayLength extends IntrinsicFunction {

    ArrayLength() {
        super("States.ArrayLength", 1);
    }

    @Override
    JsonNode apply(List<JsonNode> a) {
        return NODES.numberNode(array(a.get(0)).size());
    }
}
