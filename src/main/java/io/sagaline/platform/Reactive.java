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

    private static <T> T await(Supplier<Uni<T>> work) {
        try {
            return VertxContextSupport.subscribeAndAwait(work);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
