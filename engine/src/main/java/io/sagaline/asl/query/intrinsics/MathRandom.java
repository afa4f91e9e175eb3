package io.sagaline.asl.query.intrinsics;

import java.util.List;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code States.MathRandom}: A random integer from a start (included) to an end (excluded), of a seed if given. */
final class MathRandom extends IntrinsicFunction {

    MathRandom() {
        super("States.MathRandom", 2, 3);
    }

    @Override
    JsonNode apply(List<JsonNode> a) {
        int start = rounded(a.get(0));
        int end = rounded(a.get(1));
        if (end <= start) {
            throw new IllegalArgumentException("the end must be greater than the start");
        }
        Random random = a.size() == 3 ? new Random(rounded(a.get(2))) : new Random();
        return NODES.numberNode(start + random.nextInt(end - start));
    }
}
