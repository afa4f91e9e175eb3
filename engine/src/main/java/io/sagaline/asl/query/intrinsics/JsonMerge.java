package io.sagaline.asl.query.intrinsics;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** {@code States.JsonMerge}: Two objects merged, shallowly (the only merge AWS has). */
final class JsonMerge extends IntrinsicFunction {

    JsonMerge() {
        super("States.JsonMerge", 3);
    }

    @Override
    JsonNode apply(List<JsonNode> a) {
        if (!a.get(0).isObject() || !a.get(1).isObject()) {
            throw new IllegalArgumentException("both arguments to merge must be JSON objects");
        }
        if (!a.get(2).isBoolean() || a.get(2).asBoolean()) {
            throw new IllegalArgumentException("only the shallow merge (false) is supported, as in AWS");
        }
        ObjectNode merged = ((ObjectNode) a.get(0)).deepCopy();
        merged.setAll((ObjectNode) a.get(1));
        return merged;
    }
}
