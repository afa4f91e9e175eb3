package io.sagaline.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import redis.embedded.RedisServer;

/**
 * Stops the embedded Redis mid-test and starts one again on its port, for tests of what the system
 * does without it. The embedded services start in Quarkus's bootstrap class loader, out of a test's
 * reach: this stops the server with a command and starts its successor itself (stopped when the
 * JVM exits, as the first one is).
 */
public final class EmbeddedRedis {

    private static RedisServer successor;

    private EmbeddedRedis() {
    }

    private static int port() {
        return Integer.parseInt(System.getProperty("sagaline.embedded.redis.port"));
    }

    /** {@code SHUTDOWN NOSAVE}: the server exits, its data with it. */
    public static void stop() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port())) {
            OutputStream out = socket.getOutputStream();
            out.write("*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            while (in.read() >= 0) {
                // until the server closes the connection: it is gone
            }
        }
    }

    /** A new, empty Redis on the same port. */
    public static synchronized void restart() throws IOException {
        if (successor != null) {
            successor.stop();
        }
        successor = RedisServer.newRedisServer().port(port()).bind("127.0.0.1").setting("save \"\"")
                .setting("appendonly no").build();
        successor.start();
        RedisServer started = successor;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                started.stop();
            } catch (IOException e) {
                // the JVM is exiting
            }
        }));
    }
}
