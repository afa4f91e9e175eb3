package io.sagaline.asl.query.intrinsics;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

/** {@code States.ArrayPartition}: An array cut into chunks of a size. */
final class ArrayPartition extends IntrinsicFunction {

    ArrayPartition() {
        super("States.ArrayPartition", 2);
    }

    @Override
    JsonNode apply(List<JsonNode> a) {
        ArrayNode source = array(a.get(0));
        int size = integer(a.get(1));
        if (size <= 0) {
            throw new IllegalArgumentException("the chunk size must be positive");
        }
        ArrayNode chunks = NODES.arrayNode();
        for (int i = 0; i < source.size(); i += size) {
            ArrayNode chunk = chunks.addArray();
            for (int j = i; j < Math.min(i + size, source.size()); j++) {
                chunk.add(source.get(j));
            }
        }
        return chunks;
    }
}
