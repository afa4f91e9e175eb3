package io.sagaline.local;

import java.lang.reflect.InvocationTargetException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;

import io.quarkus.arc.Arc;
import io.quarkus.arc.ManagedContext;
import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.funqy.runtime.ApplicationException;
import io.quarkus.funqy.runtime.FunctionInvoker;
import io.quarkus.funqy.runtime.FunctionRecorder;
import io.quarkus.funqy.runtime.FunqyServerRequest;
import io.quarkus.funqy.runtime.FunqyServerResponse;
import io.quarkus.funqy.runtime.RequestContext;
import io.quarkus.funqy.runtime.RequestContextImpl;
import io.smallrye.mutiny.Uni;

/**
 * Invokes catalog functions in-process the way the Lambda runtime does: Funqy's own invoker,
 * with the JSON reader and writer Funqy's Lambda binding prepared for it, in a request context,
 * bounded by the function's catalog timeout.
 */
@ApplicationScoped
@IfBuildProfile(anyOf = { "dev", "test" })
public class LocalFunctions {

    /** A failed invocation, as Lambda reports it: an error type and a message. */
    public static class FunctionFailure extends RuntimeException {
        private final String errorType;
        private final String errorMessage;

        public FunctionFailure(String errorType, String errorMessage) {
            super(errorType + ": " + errorMessage, null, false, false);
            this.errorType = errorType;
            this.errorMessage = errorMessage;
        }

        public String errorType() {
            return errorType;
        }

        public String errorMessage() {
            return errorMessage;
        }
    }

    private final Catalog catalog;
    private final ExecutorService sandboxes;

    LocalFunctions(ObjectMapper json) {
        this.catalog = Catalog.load(json);
        AtomicInteger count = new AtomicInteger();
        this.sandboxes = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "local-lambda-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public Catalog catalog() {
        return catalog;
    }

    /** Runs function {@code name} on {@code payload} (JSON); returns its JSON output. */
    public byte[] invoke(String name, byte[] payload) {
        return invoke(name, payload, null);
    }

    /**
     * As {@link #invoke(String, byte[])}, also bounded by a Task state's {@code TimeoutSeconds}:
     * exceeding that is {@code States.Timeout}, exceeding the function's own timeout is
     * {@code Sandbox.Timedout}, as in AWS.
     */
    public byte[] invoke(String name, byte[] payload, Integer stateTimeoutSeconds) {
        Catalog.Function function = catalog.function(name).orElseThrow(
                () -> new FunctionFailure("ResourceNotFoundException", "Function not found: " + name));
        FunctionInvoker invoker = FunctionRecorder.registry.matchInvoker(name);
        if (invoker == null) {
            throw new FunctionFailure("ResourceNotFoundException", "no @Funq(\"" + name + "\") for catalog entry " + name);
        }
        Future<byte[]> run = sandboxes.submit(() -> invokeNow(invoker, payload));
        boolean stateLimit = stateTimeoutSeconds != null && stateTimeoutSeconds < function.timeoutSeconds();
        int limit = stateLimit ? stateTimeoutSeconds : function.timeoutSeconds();
        try {
            return run.get(limit, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            run.cancel(true);
            if (stateLimit) {
                throw new FunctionFailure("States.Timeout", "the task did not finish within " + limit + " seconds");
            }
            throw new FunctionFailure("Sandbox.Timedout", "Task timed out after " + limit + ".00 seconds");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof FunctionFailure f ? f : new FunctionFailure(e.getCause().getClass().getName(),
                    e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FunctionFailure("Sandbox.Interrupted", "invocation interrupted");
        }
    }

    private static byte[] invokeNow(FunctionInvoker invoker, byte[] payload) {
        ObjectReader reader = (ObjectReader) invoker.getBindingContext().get(ObjectReader.class.getName());
        ObjectWriter writer = (ObjectWriter) invoker.getBindingContext().get(ObjectWriter.class.getName());
        Object input;
        try {
            input = invoker.hasInput() ? reader.readValue(payload) : null;
        } catch (java.io.IOException e) {
            throw new FunctionFailure(e.getClass().getName(), e.getMessage());
        }
        ManagedContext requestContext = Arc.container().requestContext();
        requestContext.activate();
        try {
            Response response = new Response();
            invoker.invoke(new Request(input), response);
            Object output = response.getOutput().await().indefinitely();
            return invoker.hasOutput() ? writer.writeValueAsBytes(output) : new byte[0];
        } catch (Throwable t) {
            Throwable cause = unwrap(t);
            throw new FunctionFailure(cause.getClass().getName(), cause.getMessage());
        } finally {
            requestContext.terminate();
        }
    }

    /**
     * The error the saga sees is the function's own exception. NOTE: Funqy wraps it in
     * {@link ApplicationException}, and Quarkus' Lambda runtime (3.32) reports that wrapper's class
     * as errorType; see docs/platform-notes.md, "Named errors under Funqy".
     */
    static Throwable unwrap(Throwable t) {
        Throwable cause = t;
        while ((cause instanceof ApplicationException || cause instanceof CompletionException
                || cause instanceof InvocationTargetException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    @PreDestroy
    void stop() {
        sandboxes.shutdownNow();
    }

    private record Request(Object input) implements FunqyServerRequest {
        @Override
        public RequestContext context() {
            return new RequestContextImpl();
        }

        @Override
        public Object extractInput(Class type) {
            return input;
        }
    }

    private static final class Response implements FunqyServerResponse {
        private Uni<?> output;

        @Override
        public Uni<?> getOutput() {
            return output;
        }

        @Override
        public void setOutput(Uni<?> output) {
            this.output = output;
        }
    }
}
