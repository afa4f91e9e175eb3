package io.sagaline.asl.query.intrinsics;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code States.MathAdd}: the sum of two numbers, each rounded to an integer first (AWS: 1.5 + 1.51 is 4). */
final class MathAdd extends IntrinsicFunction {

    MathAdd() {
        super("States.MathAdd", 2);
    }

    @Override
    JsonNode apply(List<JsonNode> a) {
        return NODES.numberNode(Math.addExact(rounded(a.get(0)), rounded(a.get(1))));
    }
}
