package io.sagaline.local;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.MDC;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.quarkus.amazon.lambda.runtime.AmazonLambdaMapperRecorder;
import io.quarkus.arc.Arc;
import io.quarkus.arc.InstanceHandle;
import io.quarkus.arc.ManagedContext;
import io.quarkus.arc.profile.IfBuildProfile;
import io.sagaline.platform.AsyncHandler;
import io.sagaline.platform.Catalog;

/**
 * Invokes catalog functions in-process the way the Lambda runtime does: the {@code RequestHandler}
 * named after the function, its input read and its output written with Lambda's own JSON mapper,
 * a failure reported as the thrown exception's class name, bounded by the function's timeout.
 * At most {@code sagaline.local.lambda.concurrency} invocations run at once, as Lambda's
 * concurrency limits them; the others wait for a sandbox, up to {@code max-waiting}, then are
 * throttled.
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

    /** Too many invocations waiting for a sandbox: Lambda's throttle ({@code TooManyRequestsException}). */
    public static final class Throttled extends FunctionFailure {
        Throttled(String function, int waiting) {
            super("TooManyRequestsException", "Rate Exceeded: every sandbox is busy and " + waiting
                    + " invocations are already waiting (" + function + ")");
        }
    }

    private final Catalog catalog;
    private final Tracer tracer;
    private final ThreadPoolExecutor sandboxes;
    private final ScheduledExecutorService deadlines;
    private final int maxWaiting;
    private final java.util.Set<Invocation> live = java.util.concurrent.ConcurrentHashMap.newKeySet();

    LocalFunctions(Catalog catalog, io.sagaline.platform.observability.Telemetry telemetry,
            @ConfigProperty(name = "sagaline.local.lambda.concurrency") int concurrency,
            @ConfigProperty(name = "sagaline.local.lambda.max-waiting") int maxWaiting) {
        this.catalog = catalog;
        this.tracer = telemetry.tracer();
        this.maxWaiting = maxWaiting;
        AtomicInteger count = new AtomicInteger();
        // Lambda's concurrency: at most this many invocations run at once; the others wait for a
        // sandbox (their timeout starts when they get one, as a Lambda's starts when it is invoked).
        this.sandboxes = new ThreadPoolExecutor(concurrency, concurrency, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(maxWaiting), r -> daemon(r, "local-lambda-" + count.incrementAndGet()));
        this.sandboxes.allowCoreThreadTimeOut(true);
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "local-lambda-deadlines"));
        timer.setRemoveOnCancelPolicy(true); // most deadlines are cancelled long before they are due
        this.deadlines = timer;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
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
        try {
            return invokeAsync(name, payload, stateTimeoutSeconds).get();
        } catch (ExecutionException e) {
            throw (FunctionFailure) e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FunctionFailure("Sandbox.Interrupted", "invocation interrupted");
        }
    }

    /**
     * Runs function {@code name} in a sandbox without holding the calling thread: for callers on
     * an event loop (the gateway, the Lambda API), which must never wait for a function, since a
     * function may call back into this process (StartExecution) and need a thread of its own.
     * The result fails with a {@link FunctionFailure} only.
     */
    public CompletableFuture<byte[]> invokeAsync(String name, byte[] payload, Integer stateTimeoutSeconds) {
        return invokeAsync(name, payload, stateTimeoutSeconds, null);
    }

    /**
     * As {@link #invokeAsync(String, byte[], Integer)}; if {@code log} is given, it receives what
     * the function logged on its own thread, framed by START, END and REPORT lines as CloudWatch has
     * a Lambda's log ({@code LogType=Tail}).
     */
    public CompletableFuture<byte[]> invokeAsync(String name, byte[] payload, Integer stateTimeoutSeconds,
            StringBuilder log) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        Optional<Catalog.Function> found = catalog.function(name);
        if (found.isEmpty()) {
            result.completeExceptionally(new FunctionFailure("ResourceNotFoundException", "Function not found: " + name));
            return result;
        }
        Catalog.Function function = found.get();
        boolean stateLimit = stateTimeoutSeconds != null && stateTimeoutSeconds < function.timeoutSeconds();
        int limit = stateLimit ? stateTimeoutSeconds : function.timeoutSeconds();
        FunctionFailure timedOut = stateLimit
                ? new FunctionFailure("States.Timeout", "the task did not finish within " + limit + " seconds")
                : new FunctionFailure("Sandbox.Timedout", "Task timed out after " + limit + ".00 seconds");
        Invocation invocation = new Invocation(function, payload, limit, timedOut, log, result,
                io.opentelemetry.context.Context.current());
        live.add(invocation);
        result.whenComplete((r, f) -> live.remove(invocation));
        try {
            if (stateLimit) {
                invocation.arm(); // a Task state's timeout counts from its scheduling, a wait for a sandbox included
            }
            sandboxes.execute(invocation);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            invocation.cancel(sandboxes.isShutdown() ? stopped() : new Throttled(name, maxWaiting));
        }
        return result;
    }

    private static FunctionFailure stopped() {
        return new FunctionFailure("Sandbox.Shutdown", "the local runtime stopped before the invocation ended");
    }

    /**
     * One invocation: waiting for a sandbox, then running in it, its deadline armed when it is
     * scheduled (a Task state's timeout) or when its sandbox starts (the function's own timeout,
     * as Lambda counts it), its log captured if asked for. Whatever happens, its result completes.
     */
    private final class Invocation implements Runnable {
        private final Catalog.Function function;
        private final byte[] payload;
        private final int limit;
        private final FunctionFailure timedOut;
        private final StringBuilder log;
        private final CompletableFuture<byte[]> result;
        /** The caller's trace: the Lambda's span is its child, as AWS's is of the trace header it was invoked with. */
        private final io.opentelemetry.context.Context caller;
        private Thread sandbox;
        private boolean ended;
        /** The invocation's span, while it runs; ended once, when it answers or is timed out or cancelled. */
        private Span span;
        private ScheduledFuture<?> deadline;

        Invocation(Catalog.Function function, byte[] payload, int limit, FunctionFailure timedOut, StringBuilder log,
                CompletableFuture<byte[]> result, io.opentelemetry.context.Context caller) {
            this.caller = caller;
            this.function = function;
            this.payload = payload;
            this.limit = limit;
            this.timedOut = timedOut;
            this.log = log;
            this.result = result;
        }

        synchronized boolean running() {
            return sandbox != null;
        }

        synchronized void arm() {
            deadline = deadlines.schedule(this::expire, limit, TimeUnit.SECONDS);
        }

        /** Lambda stops a sandbox at its timeout; a thread can only be interrupted. */
        private synchronized void expire() {
            if (!ended && result.completeExceptionally(timedOut)) {
                endSpan(timedOut); // also when an AsyncHandler's answer is pending: its caller has its answer
                if (sandbox != null) {
                    sandbox.interrupt();
                }
            }
        }

        /** Ends the span as the invocation's caller saw it end: answered, or failed with {@code failure}. */
        private synchronized void endSpan(FunctionFailure failure) {
            if (span == null) {
                return;
            }
            if (failure != null) {
                span.setStatus(StatusCode.ERROR, failure.errorMessage());
                span.setAttribute("error.type", failure.errorType());
            }
            span.end();
            span = null;
        }

        /** Ends the invocation from outside (throttled, or the runtime stopping): its caller is answered. */
        synchronized void cancel(FunctionFailure why) {
            if (result.completeExceptionally(why) && !ended) {
                endSpan(why);
                if (sandbox != null) {
                    sandbox.interrupt();
                }
            }
        }

        @Override
        public void run() {
            synchronized (this) {
                if (result.isDone()) {
                    return; // timed out, or cancelled, while it waited for a sandbox
                }
                sandbox = Thread.currentThread();
                if (deadline == null) {
                    try {
                        arm();
                    } catch (java.util.concurrent.RejectedExecutionException e) {
                        result.completeExceptionally(stopped());
                        return;
                    }
                }
            }
            String requestId = java.util.UUID.randomUUID().toString();
            long started = System.nanoTime();
            StringBuilder own = log == null ? null : new StringBuilder();
            if (own != null) {
                own.append("START RequestId: ").append(requestId).append(" Version: $LATEST\n");
                InvocationLog.capture(own);
            }
            // The span Lambda's service records (X-Ray's AWS::Lambda segment): the function's own spans are its children.
            Span invoked = tracer.spanBuilder(function.name()).setParent(caller).setSpanKind(SpanKind.SERVER)
                    .setAttribute("faas.name", function.name()).setAttribute("faas.invocation_id", requestId)
                    .setAttribute("cloud.provider", "aws").setAttribute("cloud.platform", "aws_lambda").startSpan();
            synchronized (this) {
                span = invoked;
            }
            CompletionStage<byte[]> answer;
            try {
                answer = invokeNow(function, payload, limit * 1000L, requestId, invoked);
            } catch (Throwable t) {
                answer = CompletableFuture.failedFuture(t);
            } finally {
                if (own != null) {
                    InvocationLog.capture(null);
                }
                synchronized (this) {
                    sandbox = null; // the thread goes back to the pool; an answer still pending (AsyncHandler) holds none
                }
                Thread.interrupted(); // an interrupt of the deadline is this invocation's, not the next one's
            }
            answer.whenComplete((output, thrown) -> end(output, thrown, requestId, started, own));
        }

        /** The invocation has answered ({@code output}) or failed ({@code thrown}): its caller learns which. */
        private void end(byte[] output, Throwable thrown, String requestId, long started, StringBuilder own) {
            Throwable cause = AsyncHandler.cause(thrown);
            FunctionFailure failure = cause == null ? null
                    : cause instanceof FunctionFailure f ? f
                            // What the Lambda runtime reports: the thrown exception's class name and its message.
                            : new FunctionFailure(cause.getClass().getName(), cause.getMessage());
            endSpan(failure);
            if (own != null) {
                double millis = (System.nanoTime() - started) / 1e6;
                own.append("END RequestId: ").append(requestId).append('\n').append("REPORT RequestId: ")
                        .append(requestId).append(String.format(java.util.Locale.ROOT,
                                "\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\t%n", millis,
                                (long) Math.ceil(millis), function.memoryMb()));
                synchronized (log) {
                    log.append(own);
                }
            }
            if (failure == null) {
                result.complete(output);
            } else {
                result.completeExceptionally(failure);
            }
            synchronized (this) {
                ended = true;
            }
            deadline.cancel(false);
        }
    }

    /**
     * Runs the handler on this thread. A handler that may answer later ({@link AsyncHandler}) is
     * asked for its answer's stage, which completes wherever its wait ends; any other answers here.
     */
    private CompletionStage<byte[]> invokeNow(Catalog.Function function, byte[] payload, long timeoutMillis,
            String requestId, Span span) {
        // Sandbox threads inherit the logging context of the thread that created them; a Lambda starts clean.
        MDC.clear();
        ManagedContext requestContext = Arc.container().requestContext();
        requestContext.activate();
        try (Scope traced = span.makeCurrent();
                InstanceHandle<RequestHandler<Object, Object>> handle = Arc.container().instance(function.name())) {
            if (!handle.isAvailable()) {
                throw new FunctionFailure("ResourceNotFoundException",
                        "no RequestHandler @Named(\"" + function.name() + "\") for catalog entry " + function.name());
            }
            Object input = lambdaJson().readerFor(lambdaJson().constructType(inputType(handle.getBean().getBeanClass())))
                    .readValue(payload);
            LocalLambdaContext context = new LocalLambdaContext(function, timeoutMillis, requestId);
            if (handle.get() instanceof AsyncHandler<?, ?> async) {
                @SuppressWarnings("unchecked")
                AsyncHandler<Object, Object> handler = (AsyncHandler<Object, Object>) async;
                return handler.handleAsync(input, context).thenApply(LocalFunctions::written);
            }
            return CompletableFuture.completedFuture(written(handle.get().handleRequest(input, context)));
        } catch (FunctionFailure e) {
            throw e;
        } catch (Throwable t) {
            // What the Lambda runtime reports: the thrown exception's class name and its message.
            throw new FunctionFailure(t.getClass().getName(), t.getMessage());
        } finally {
            requestContext.terminate();
            MDC.clear();
        }
    }

    private static byte[] written(Object output) {
        try {
            return lambdaJson().writeValueAsBytes(output);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new FunctionFailure(e.getClass().getName(), e.getMessage());
        }
    }

    /**
     * How many invocations of {@code function} hold a sandbox's thread now (an answer pending in an {@link AsyncHandler} holds
     * none).
     */
    public long busySandboxes(String function) {
        return live.stream().filter(i -> i.function.name().equals(function) && i.running()).count();
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

    /**
     * Stops taking invocations; those that were waiting or running are answered Sandbox.Shutdown
     * (a caller blocked in {@link #invoke} must not wait for ever), and those running go on to
     * their end, uninterrupted (a dev-mode reload does not fail a saga step half-way).
     */
    @PreDestroy
    void stop() {
        sandboxes.shutdown();
        for (Invocation invocation : List.copyOf(live)) {
            invocation.result.completeExceptionally(stopped());
        }
        deadlines.shutdownNow();
    }
}
