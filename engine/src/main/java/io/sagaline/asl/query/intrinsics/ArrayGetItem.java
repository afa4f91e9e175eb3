package io.sagaline.asl.query.intrinsics;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

/** {@code States.ArrayGetItem}: The item of an array at an index. */
final class ArrayGetItem extends IntrinsicFunction {

    ArrayGetItem() {
        super("States.ArrayGetItem", 2);
    }

    @Override
    JsonNode apply(List<JsonNode> a) {
        ArrayNode array = array(a.get(0));
        int index = integer(a.get(1));
        if (index < 0 || index >= array.size()) {
            throw new IllegalArgumentException("index " + index + " is outside the array of " + array.size());
        }
        return array.get(index);
    }
}
