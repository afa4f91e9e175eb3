package io.sagaline.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A TCP proxy between a process and a server it calls (SQS, the Step Functions API) that a test
 * can make hold every request from a moment on: the requests reach nothing, the caller waits for
 * an answer that does not come. Crash tests use it to stop a child process between two of its own
 * steps from the outside (the commit done, the send not), then kill it, with no fault injection
 * in the application's code.
 */
public final class HoldingProxy implements AutoCloseable {

    private final ServerSocket server;
    private volatile int target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile CountDownLatch held = new CountDownLatch(0);
    private volatile boolean closed;

    /** A proxy on a free port of the loopback to {@code localhost:targetPort}. */
    public HoldingProxy(int targetPort) throws IOException {
        this();
        this.target = targetPort;
    }

    /** A proxy whose target is set later ({@link #target(int)}), for a server whose port is known only once it runs. */
    public HoldingProxy() throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "holding-proxy-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public void target(int port) {
        this.target = port;
    }

    public String url() {
        return "http://localhost:" + server.getLocalPort();
    }

    /** From now on, no byte of a request goes through: callers wait. */
    public void hold() {
        held = new CountDownLatch(1);
    }

    /** Requests go through again, those held included. */
    public void release() {
        held.countDown();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                if (target == 0) {
                    close(client); // nowhere to go yet: as a server not up
                    continue;
                }
                Socket upstream;
                try {
                    upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                } catch (IOException e) {
                    close(client); // the server is down: so is the connection through us
                    continue;
                }
                sockets.add(client);
                sockets.add(upstream);
                pump(client, upstream, true);
                pump(upstream, client, false);
            } catch (IOException e) {
                if (!closed) {
                    continue;
                }
                return;
            }
        }
    }

    private void pump(Socket from, Socket to, boolean request) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    if (request) {
                        held.await();
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // a side closed: so does the other
            } finally {
                close(from);
                close(to);
            }
        }, "holding-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        // The sockets first: a request held until now must reach nothing, not go through on the release.
        closed = true;
        server.close();
        sockets.forEach(HoldingProxy::close);
        release();
    }
}
