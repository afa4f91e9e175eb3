package io.sagaline.asl.query.intrinsics;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code States.Hash}: The hex digest of a value by MD5, SHA-1, SHA-256, SHA-384 or SHA-512. */
final class Hash extends IntrinsicFunction {

    private static final Set<String> ALGORITHMS = Set.of("MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512");

    Hash() {
        super("States.Hash", 2);
    }

    @Override
    JsonNode apply(List<JsonNode> a) {
        String algorithm = text(a.get(1));
        if (!ALGORITHMS.contains(algorithm)) {
            throw new IllegalArgumentException("the algorithm must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512");
        }
        String data = a.get(0).isTextual() ? a.get(0).asText() : a.get(0).toString();
        try {
            return NODES.textNode(
                    HexFormat.of()
                            .formatHex(MessageDigest.getInstance(algorithm).digest(data.getBytes(StandardCharsets.UTF_8))));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
