package io.sagaline.asl.query.intrinsics;

import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import io.sagaline.asl.query.JsonPaths;

/** {@code States.StringToJson}: parses a string as JSON; an empty or blank string gives null, as in AWS. */
final class StringToJson extends IntrinsicFunction {

    StringToJson() {
        super("States.StringToJson", 1);
    }

    @Override
    JsonNode apply(List<JsonNode> a) {
        try {
            JsonNode parsed = JsonPaths.MAPPER.readTree(text(a.get(0)));
            return parsed.isMissingNode() ? NODES.nullNode() : parsed; // "" and blanks are null, as in AWS
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the argument is not JSON text");
        }
    }
}
