package io.sagaline.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The AWS Lambda Runtime API (2018-06-01) as a custom runtime sees it: {@code invocation/next}
 * hands out the events given to {@link #invoke}, {@code invocation/{id}/response} and
 * {@code /error} answer them, {@code init/error} reports a function that could not start. A
 * process started with {@code AWS_LAMBDA_RUNTIME_API=}{@link #address()} serves its invocations
 * here, as a Lambda's {@code bootstrap} does in AWS.
 */
public final class LambdaRuntimeApi implements AutoCloseable {

    /** What the function answered: its response, or the error it reported. */
    public record Outcome(boolean error, String body) {
    }

    private record Invocation(String requestId, String event) {
    }

    private final HttpServer server;
    private final BlockingQueue<Invocation> pending = new LinkedBlockingQueue<>();
    private final Map<String, CompletableFuture<Outcome>> outcomes = new ConcurrentHashMap<>();
    private final CompletableFuture<String> initError = new CompletableFuture<>();

    public LambdaRuntimeApi() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/2018-06-01/runtime/", this::handle);
        server.start();
    }

    public String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * Sends one event to the function and waits for its answer, its failure to start, or the end
     * of its process.
     */
    public Outcome invoke(String event, Duration timeout, Process function) throws Exception {
        Invocation invocation = new Invocation(UUID.randomUUID().toString(), event);
        CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        outcomes.put(invocation.requestId(), outcome);
        pending.add(invocation);
        Object first = CompletableFuture.anyOf(outcome, initError, function.onExit())
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (first instanceof String error) {
            throw new AssertionError("the function could not start: " + error);
        }
        if (first instanceof Process ended) {
            throw new AssertionError("the function's process ended (exit " + ended.exitValue() + ") before it answered");
        }
        return (Outcome) first;
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (path.endsWith("/invocation/next") && exchange.getRequestMethod().equals("GET")) {
                Invocation next = pending.poll(10, TimeUnit.MINUTES);
                if (next == null) {
                    respond(exchange, 500, "");
                    return;
                }
                exchange.getResponseHeaders().add("Lambda-Runtime-Aws-Request-Id", next.requestId());
                exchange.getResponseHeaders().add("Lambda-Runtime-Deadline-Ms",
                        Long.toString(System.currentTimeMillis() + 60_000));
                exchange.getResponseHeaders().add("Lambda-Runtime-Invoked-Function-Arn",
                        "arn:aws:lambda:eu-west-1:123456789012:function:sagaline-test");
                exchange.getResponseHeaders().add("Lambda-Runtime-Trace-Id",
                        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1");
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                respond(exchange, 200, next.event());
            } else if (path.endsWith("/init/error")) {
                initError.complete(body);
                respond(exchange, 202, "{\"status\":\"OK\"}");
            } else if (path.endsWith("/response") || path.endsWith("/error")) {
                String requestId = path.substring("/2018-06-01/runtime/invocation/".length(), path.lastIndexOf('/'));
                CompletableFuture<Outcome> outcome = outcomes.get(requestId);
                if (outcome != null) {
                    outcome.complete(new Outcome(path.endsWith("/error"), body));
                }
                respond(exchange, outcome == null ? 400 : 202, "{\"status\":\"OK\"}");
            } else {
                respond(exchange, 404, "");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
