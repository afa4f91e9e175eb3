package io.sagaline.asl.query.intrinsics;

import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code States.UUID}: A random version 4 UUID. */
final class Uuid extends IntrinsicFunction {

    Uuid() {
        super("States.UUID", 0);
    }

    @Override
    JsonNode apply(List<JsonNode> a) {
        return NODES.textNode(UUID.randomUUID().toString());
    }
}
