package io.sagaline.asl.query.intrinsics;

import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import io.sagaline.asl.query.JsonPaths;

/** {@code States.StringToJson}: Parses a string as JSON. */
final class StringToJson extends IntrinsicFunction {

    StringToJson() {
        super("States.StringToJson", 1);
    }

    @Override
    JsonNode apply(List<JsonNode> a) {
        try {
            return JsonPaths.MAPPER.readTree(text(a.get(0)));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the argument is not JSON text");
        }
    }
}
