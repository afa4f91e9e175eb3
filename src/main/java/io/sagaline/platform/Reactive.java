package io.sagaline.platform;

import java.util.function.Supplier;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;

/**
 * Functions run on the Lambda poll thread (or a local worker thread), which has no Vert.x
 * context; Hibernate Reactive needs one. This runs a unit of work in one transaction on a
 * fresh duplicated context and blocks the calling thread until it is done.
 */
public final class Reactive {

    private Reactive() {
    }

    public static <T> T inTransaction(Supplier<Uni<T>> work) {
        return await(() -> Panache.withTransaction(work));
    }

    /**
     * As {@link #inTransaction}, without blocking the calling thread: the work runs on a fresh
     * duplicated context with the caller's trace and logging context, and the stage completes with
     * its result (null for none) on that context's event loop. For continuations that must not hold a
     * thread (a waiting read's answer).
     */
    public static <T> java.util.concurrent.CompletionStage<T> inTransactionAsync(Supplier<Uni<T>> work) {
        io.opentelemetry.context.Context trace = io.opentelemetry.context.Context.current();
        java.util.Map<String, Object> logging = org.jboss.logging.MDC.getMap();
        java.util.concurrent.CompletableFuture<T> result = new java.util.concurrent.CompletableFuture<>();
        try {
            VertxContextSupport.<T> subscribe(() -> {
                @SuppressWarnings({ "resource", "unused" })
                io.opentelemetry.context.Scope attached = trace.makeCurrent();
                logging.forEach(org.jboss.logging.MDC::put);
                return Panache.withTransaction(work).toMulti();
            }, subscribe -> subscribe.with(result::complete, result::completeExceptionally, () -> result.complete(null)));
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    /**
     * The work runs on a fresh duplicated context, which is given the caller's trace and logging
     * context: what it logs and writes (an outbox row's trace) is the caller's request's, step's or
     * message's. Neither is removed: the duplicated context ends with the work.
     */
    private static <T> T await(Supplier<Uni<T>> work) {
        io.opentelemetry.context.Context trace = io.opentelemetry.context.Context.current();
        java.util.Map<String, Object> logging = org.jboss.logging.MDC.getMap();
        try {
            return VertxContextSupport.subscribeAndAwait(() -> {
                @SuppressWarnings({ "resource", "unused" })
                io.opentelemetry.context.Scope attached = trace.makeCurrent();
                logging.forEach(org.jboss.logging.MDC::put);
                return work.get();
            });
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
