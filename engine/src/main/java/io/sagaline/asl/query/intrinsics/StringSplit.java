package io.sagaline.asl.query.intrinsics;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

/** {@code States.StringSplit}: A string cut at any of the delimiter characters, without empty parts. */
final class StringSplit extends IntrinsicFunction {

    StringSplit() {
        super("States.StringSplit", 2);
    }

    @Override
    JsonNode apply(List<JsonNode> a) {
        String text = text(a.get(0));
        String delimiters = text(a.get(1));
        ArrayNode parts = NODES.arrayNode();
        StringBuilder part = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (delimiters.indexOf(c) >= 0) {
                if (!part.isEmpty()) {
                    parts.add(part.toString());
                }
                part.setLength(0);
            } else {
                part.append(c);
            }
        }
        if (!part.isEmpty()) {
            parts.add(part.toString());
        }
        return parts;
    }
}
