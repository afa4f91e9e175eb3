package io.sagaline.asl.query.intrinsics;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code States.JsonToString}: Writes a value as JSON text. */
final class JsonToString extends IntrinsicFunction {

    JsonToString() {
        super("States.JsonToString", 1);
    }

    @Override
    JsonNode apply(List<JsonNode> a) {
        return NODES.textNode(a.get(0).toString());
    }
}
