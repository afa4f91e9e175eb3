package io.sagaline.local.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

import org.jboss.logging.Logger;

/**
 * The Lambda runtime API of the built local application ({@code target/local-app}): one that never
 * hands out an invocation.
 * <p>
 * The Lambda extension polls the runtime API from the moment the application starts, and stops the
 * application when there is none (dev mode and tests have its mock event server; a Lambda has
 * AWS's). The local runtime invokes its functions itself, in-process, so the poll only has to wait:
 * this listener on loopback accepts the poll's request and never answers it. Closing the
 * application ends the poll (the extension disconnects it), and the JVM's exit closes the socket.
 */
final class IdleLambdaRuntimeApi {

    private static final Logger LOG = Logger.getLogger(IdleLambdaRuntimeApi.class);
    private static final String ADDRESS = "sagaline.embedded.idle-lambda-runtime-api";

    private IdleLambdaRuntimeApi() {
    }

    /** {@code host:port} of this JVM's idle runtime API, started on first use. */
    static String address() {
        synchronized (System.getProperties()) {
            String address = System.getProperty(ADDRESS);
            if (address == null) {
                address = "127.0.0.1:" + start();
                System.setProperty(ADDRESS, address);
            }
            return address;
        }
    }

    private static int start() {
        try {
            ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket poll = server.accept();
                        Thread reader = new Thread(() -> drain(poll), "idle-lambda-runtime-api-poll");
                        reader.setDaemon(true);
                        reader.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "idle-lambda-runtime-api");
            acceptor.setDaemon(true);
            acceptor.start();
            LOG.debugf("idle Lambda runtime API on port %d", server.getLocalPort());
            return server.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads whatever the poll sends until it hangs up; answers nothing. */
    private static void drain(Socket poll) {
        try (poll; InputStream in = poll.getInputStream()) {
            byte[] buffer = new byte[1024];
            while (in.read(buffer) >= 0) {
                // the request line and headers of GET .../runtime/invocation/next
            }
        } catch (IOException e) {
            // the application closed the poll
        }
    }
}
