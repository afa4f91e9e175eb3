package io.sagaline.local;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.MDC;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.amazon.lambda.runtime.AmazonLambdaMapperRecorder;
import io.quarkus.arc.Arc;
import io.quarkus.arc.InstanceHandle;
import io.quarkus.arc.ManagedContext;
import io.quarkus.arc.profile.IfBuildProfile;
import io.sagaline.platform.Catalog;

/**
 * Invokes catalog functions in-process the way the Lambda runtime does: the {@code RequestHandler}
 * named after the function, its input read and its output written with Lambda's own JSON mapper,
 * a failure reported as the thrown exception's class name, bounded by the function's timeout.
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

    LocalFunctions(Catalog catalog) {
        this.catalog = catalog;
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
        boolean stateLimit = stateTimeoutSeconds != null && stateTimeoutSeconds < function.timeoutSeconds();
        int limit = stateLimit ? stateTimeoutSeconds : function.timeoutSeconds();
        Future<byte[]> run = sandboxes.submit(() -> invokeNow(function, payload, limit * 1000L));
        try {
            return run.get(limit, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            run.cancel(true);
            if (stateLimit) {
                throw new FunctionFailure("States.Timeout", "the task did not finish within " + limit + " seconds");
            }
            throw new FunctionFailure("Sandbox.Timedout", "Task timed out after " + limit + ".00 seconds");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof FunctionFailure f ? f
                    : new FunctionFailure(e.getCause().getClass().getName(),
                            e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FunctionFailure("Sandbox.Interrupted", "invocation interrupted");
        }
    }

    private byte[] invokeNow(Catalog.Function function, byte[] payload, long timeoutMillis) {
        // Sandbox threads inherit the logging context of the thread that created them; a Lambda starts clean.
        MDC.clear();
        ManagedContext requestContext = Arc.container().requestContext();
        requestContext.activate();
        try (InstanceHandle<RequestHandler<Object, Object>> handle = Arc.container().instance(function.name())) {
            if (!handle.isAvailable()) {
                throw new FunctionFailure("ResourceNotFoundException",
                        "no RequestHandler @Named(\"" + function.name() + "\") for catalog entry " + function.name());
            }
            Object input = lambdaJson().readerFor(lambdaJson().constructType(inputType(handle.getBean().getBeanClass())))
                    .readValue(payload);
            Object output = handle.get().handleRequest(input, new LocalLambdaContext(function, timeoutMillis));
            return lambdaJson().writeValueAsBytes(output);
        } catch (FunctionFailure e) {
            throw e;
        } catch (Throwable t) {
            // What the Lambda runtime reports: the thrown exception's class name and its message.
            throw new FunctionFailure(t.getClass().getName(), t.getMessage());
        } finally {
            requestContext.terminate();
        }
    }

    /** Lambda's own mapper, so that payloads are read and written exactly as in AWS. */
    private static ObjectMapper lambdaJson() {
        return AmazonLambdaMapperRecorder.objectMapper;
    }

    /** The {@code I} of {@code RequestHandler<I, O>} as implemented by {@code type}. */
    public static Type inputType(Class<?> type) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Type candidate : c.getGenericInterfaces()) {
                if (candidate instanceof ParameterizedType p && p.getRawType() == RequestHandler.class) {
                    return p.getActualTypeArguments()[0];
                }
            }
        }
        throw new IllegalStateException(type + " does not implement RequestHandler<I, O>");
    }

    @PreDestroy
    void stop() {
        sandboxes.shutdownNow();
    }
}
