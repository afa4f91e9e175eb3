package io.sagaline.platform;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import com.amazonaws.services.lambda.runtime.Context;

/**
 * A function whose answer may wait for something without holding a thread meanwhile (a waiting
 * read). In AWS, Lambda's runtime calls {@code handleRequest}, which is {@link #await} of this: a
 * sandbox serves one invocation at a time, so its one thread waiting is the invocation waiting. The
 * local runtime, which serves every function of the catalog from one JVM, calls {@code handleAsync}
 * and gives the sandbox's thread back while the answer is pending.
 */
public interface AsyncHandler<I, O> {

    CompletionStage<O> handleAsync(I input, Context context);

    /** What {@code handleRequest} answers: the stage's result, or what it failed with. */
    static <O> O await(CompletionStage<O> answer) {
        try {
            return answer.toCompletableFuture().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error r) {
                throw r;
            }
            throw e;
        }
    }

    /**
     * {@code then}, to run where a pending answer completes (another thread): with the trace and the
     * logging context of the code that asked for it now.
     */
    static <T, R> java.util.function.Function<T, R> carrying(java.util.function.Function<T, R> then) {
        io.opentelemetry.context.Context trace = io.opentelemetry.context.Context.current();
        java.util.Map<String, Object> logging = new java.util.HashMap<>(org.jboss.logging.MDC.getMap());
        return value -> {
            logging.forEach(org.jboss.logging.MDC::put);
            try (io.opentelemetry.context.Scope ignored = trace.makeCurrent()) {
                return then.apply(value);
            } finally {
                logging.keySet().forEach(org.jboss.logging.MDC::remove);
            }
        };
    }

    /** What a stage failed with: the cause a {@link CompletionException} wraps, or the failure itself (null for none). */
    static Throwable cause(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    /** The stage of an answer already known. */
    static <O> CompletionStage<O> now(O answer) {
        return CompletableFuture.completedFuture(answer);
    }
}
