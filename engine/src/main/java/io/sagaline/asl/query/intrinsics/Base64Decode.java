package io.sagaline.asl.query.intrinsics;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code States.Base64Decode}: The string a Base64 text of at most 10,000 characters encodes. */
final class Base64Decode extends IntrinsicFunction {

    Base64Decode() {
        super("States.Base64Decode", 1);
    }

    @Override
    JsonNode apply(List<JsonNode> a) {
        return NODES.textNode(new String(Base64.getDecoder().decode(limited(a.get(0))), StandardCharsets.UTF_8));
    }

    private String limited(JsonNode node) {
        String text = text(node);
        if (text.length() > 10_000) {
            throw new IllegalArgumentException("at most 10000 characters");
        }
        return text;
    }
}
