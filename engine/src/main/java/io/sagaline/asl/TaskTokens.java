package io.sagaline.asl;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.asl.query.JsonPaths;

/**
 * Task tokens ({@code $$.Task.Token}): opaque to whoever holds one, they name the execution, the branch
 * (by its index in each enclosing Parallel or Map) and a random part, so that the engine finds the task
 * that waits on a token without an index of tokens, in whichever process runs the execution now, and a
 * token of an earlier attempt (a retry, a redrive) answers nothing.
 */
final class TaskTokens {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Where a token points: an execution, and the branch path inside it (empty: the execution itself). */
    record Target(String executionArn, int[] branchPath) {
    }

    private TaskTokens() {
    }

    static String token(Execution execution) {
        List<Integer> path = new ArrayList<>();
        Execution root = execution;
        for (; root.parent() != null; root = root.parent()) {
            path.add(0, root.index());
        }
        byte[] nonce = new byte[24];
        RANDOM.nextBytes(nonce);
        ObjectNode json = JsonPaths.MAPPER.createObjectNode().put("e", root.arn());
        ArrayNode branches = json.putArray("b");
        path.forEach(branches::add);
        json.put("n", HexFormat.of().formatHex(nonce));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The target of a token this engine gave; null for anything else. */
    static Target target(String token) {
        if (token == null || token.isEmpty() || token.length() > 4096) {
            return null;
        }
        try {
            JsonNode json = JsonPaths.MAPPER.readTree(Base64.getUrlDecoder().decode(token));
            if (json == null || !json.path("e").isTextual() || !json.path("b").isArray() || !json.path("n").isTextual()) {
                return null;
            }
            int[] path = new int[json.get("b").size()];
            for (int i = 0; i < path.length; i++) {
                if (!json.get("b").get(i).canConvertToInt()) {
                    return null;
                }
                path[i] = json.get("b").get(i).asInt();
            }
            return new Target(json.get("e").asText(), path);
        } catch (IllegalArgumentException | java.io.IOException e) {
            return null;
        }
    }
}
