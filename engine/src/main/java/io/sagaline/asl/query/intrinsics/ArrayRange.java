package io.sagaline.asl.query.intrinsics;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

/** {@code States.ArrayRange}: The integers from a start to an end by a step, at most 1000. */
final class ArrayRange extends IntrinsicFunction {

    ArrayRange() {
        super("States.ArrayRange", 3);
    }

    @Override
    JsonNode apply(List<JsonNode> a) {
        int start = integer(a.get(0));
        int end = integer(a.get(1));
        int step = integer(a.get(2));
        if (step == 0) {
            throw new IllegalArgumentException("the step must not be 0");
        }
        ArrayNode range = NODES.arrayNode();
        for (int i = start; step > 0 ? i <= end : i >= end; i += step) {
            if (range.size() == 1000) {
                throw new IllegalArgumentException("a range holds at most 1000 items");
            }
            range.add(i);
        }
        return range;
    }
}
