package io.sagaline.asl.query.intrinsics;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code States.MathAdd}: The sum of two integers. */
final class MathAdd extends IntrinsicFunction {

    MathAdd() {
        super("States.MathAdd", 2);
    }

    @Override
    JsonNode apply(List<JsonNode> a) {
        return NODES.numberNode(Math.addExact(integer(a.get(0)), integer(a.get(1))));
    }
}
