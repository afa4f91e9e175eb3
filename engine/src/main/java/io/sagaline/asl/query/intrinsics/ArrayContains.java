package io.sagaline.asl.query.intrinsics;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code States.ArrayContains}: Whether an array holds a value. */
final class ArrayContains extends IntrinsicFunction {

    ArrayContains() {
        super("States.ArrayContains", 2);
    }

    @Override
    JsonNode apply(List<JsonNode> a) {
        for (JsonNode element : array(a.get(0))) {
            if (element.equals(a.get(1))) {
                return NODES.booleanNode(true);
            }
        }
        return NODES.booleanNode(false);
    }
}
