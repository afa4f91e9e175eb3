package io.sagaline.asl.query.intrinsics;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code States.Base64Encode}: Base64 of a string of at most 10,000 characters. */
final class Base64Encode extends IntrinsicFunction {

    Base64Encode() {
        super("States.Base64Encode", 1);
    }

    @Override
    JsonNode apply(List<JsonNode> a) {
        return NODES.textNode(Base64.getEncoder().encodeToString(limited(a.get(0)).getBytes(StandardCharsets.UTF_8)));
    }

    private String limited(JsonNode node) {
        String text = text(node);
        if (text.length() > 10_000) {
            throw new IllegalArgumentException("at most 10000 characters");
        }
        return text;
    }
}
