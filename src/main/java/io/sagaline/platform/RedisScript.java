package io.sagaline.platform;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Function;

import io.vertx.mutiny.redis.client.Response;

/**
 * A Lua script sent by its SHA-1 ({@code EVALSHA}), and in full ({@code EVAL}, which also loads it)
 * only when Redis does not have it yet (after a restart, a failover, a flush): a hot path's script
 * travels once, not with every call.
 */
public final class RedisScript {

    private final String text;
    private final String sha;

    public RedisScript(String text) {
        this.text = text;
        try {
            this.sha = HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
    }

    public String sha() {
        return sha;
    }

    /**
     * Runs the script with {@code keysAndArgs} (the number of keys first, as EVAL takes them)
     * through {@code command} (a Redis command and its arguments).
     */
    public Response run(Function<String[], Response> command, String... keysAndArgs) {
        try {
            return command.apply(with("EVALSHA", sha, keysAndArgs));
        } catch (RuntimeException e) {
            if (!noScript(e)) {
                throw e;
            }
            return command.apply(with("EVAL", text, keysAndArgs));
        }
    }

    private static boolean noScript(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("NOSCRIPT")) {
                return true;
            }
        }
        return false;
    }

    private static String[] with(String verb, String script, String[] keysAndArgs) {
        String[] all = new String[keysAndArgs.length + 2];
        all[0] = verb;
        all[1] = script;
        System.arraycopy(keysAndArgs, 0, all, 2, keysAndArgs.length);
        return all;
    }
}
