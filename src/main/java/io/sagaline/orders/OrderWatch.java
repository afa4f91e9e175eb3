package io.sagaline.orders;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

/**
 * Waits for orders to be settled without a thread per waiter: what {@code GET /orders/{id}?waitSeconds=N}
 * stands on. An order is settled when it is no longer PENDING and no cancellation of it is in
 * progress. A waiter is a future and a timer; it is woken by the order's change, which the database
 * announces on commit ({@code sagaline_order_changed}, V19) to the one connection of this process
 * that listens, and checked again with every other waiter in one query each {@code recheck} in case a
 * notification was lost (the listening connection broke and was opened again). Every wake-up is
 * only a cue: the order is read again to know.
 * <p>
 * Behind RDS Proxy, LISTEN pins its connection to one database session; in AWS
 * ({@code release-when-idle}) the connection is closed when its last waiter ends, so a function
 * instance pins one only while a caller waits. Every commit that changes an order's status sends
 * its notification, waiters or not (PostgreSQL queues it; a commit with a NOTIFY takes a brief
 * global lock).
 */
@ApplicationScoped
public class OrderWatch {

    private static final Logger LOG = Logger.getLogger(OrderWatch.class);
    static final String CHANNEL = "sagaline_order_changed";
    private static final String SETTLED = "(status in ('REJECTED', 'CANCELLED') or (status = 'APPROVED'"
            + " and cancellation_execution_id is null))";

    private final Pool pool;
    private final Duration recheck;
    private final Map<UUID, Set<Waiter>> waiters = new ConcurrentHashMap<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private final ScheduledThreadPoolExecutor timers;
    /** Where a settled waiter's continuation runs (it reads the order, which blocks): a few threads for every waiter. */
    private final ExecutorService continuations;
    private volatile CompletableFuture<SqlConnection> listener;
    /**
     * In AWS (a sandbox serves one invocation at a time) the listening connection is closed when
     * the last waiter ends, so that it pins a connection of RDS Proxy only while a caller waits.
     */
    private final boolean releaseWhenIdle;
    private ScheduledFuture<?> rechecking;

    OrderWatch(Pool pool, @ConfigProperty(name = "sagaline.orders.wait.recheck", defaultValue = "1s") Duration recheck,
            @ConfigProperty(name = "sagaline.orders.wait.threads", defaultValue = "2") int threads,
            @ConfigProperty(name = "sagaline.orders.wait.release-when-idle", defaultValue = "false") boolean releaseWhenIdle) {
        this.pool = pool;
        this.releaseWhenIdle = releaseWhenIdle;
        this.recheck = recheck;
        this.timers = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "order-wait-timers"));
        this.timers.setRemoveOnCancelPolicy(true);
        AtomicInteger count = new AtomicInteger();
        this.continuations = Executors.newFixedThreadPool(threads,
                r -> daemon(r, "order-wait-" + count.incrementAndGet()));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** How many callers wait now. */
    public int waiting() {
        return waiting.get();
    }

    /**
     * Completes, on one of this watch's threads, when order {@code orderId} of {@code tenant} is
     * settled, does not exist, or {@code timeout} has passed; with whether it was settled (or
     * absent) then. Holds no thread meanwhile.
     */
    public CompletionStage<Boolean> settled(String tenant, UUID orderId, Duration timeout) {
        Waiter waiter = new Waiter(tenant, orderId);
        // registered and timed first: however long the listening connection takes, the wait ends on time
        waiters.compute(orderId, (k, those) -> {
            Set<Waiter> now = those == null ? ConcurrentHashMap.newKeySet() : those;
            now.add(waiter);
            return now;
        });
        waiting.incrementAndGet();
        waiter.deadline = timers.schedule(() -> waiter.end(false), timeout.toMillis(), TimeUnit.MILLISECONDS);
        listening().whenComplete((connection, failure) -> {
            if (failure != null) {
                LOG.warnf("not listening to %s (%s): waits rely on rechecks every %s", CHANNEL, failure.toString(),
                        recheck);
            }
            check(List.of(waiter)); // once it listens: a verdict committed before the listen is seen here
        });
        return waiter.result;
    }

    /** Reads whether the waiters' orders are settled, in one query; ends those that are. */
    private void check(List<Waiter> some) {
        if (some.isEmpty()) {
            return;
        }
        UUID[] ids = some.stream().map(w -> w.orderId).distinct().toArray(UUID[]::new);
        pool.preparedQuery("select id, tenant, " + SETTLED + " from orders.orders where id = any($1)")
                .execute(Tuple.of(ids)).onComplete(done -> {
                    if (done.failed()) {
                        LOG.warnf("checking %d waited orders failed (%s); the next recheck tries again", ids.length,
                                done.cause().toString());
                        return;
                    }
                    Map<UUID, Row> found = new java.util.HashMap<>();
                    for (Row row : done.result()) {
                        found.put(row.getUUID(0), row);
                    }
                    for (Waiter w : some) {
                        Row row = found.get(w.orderId);
                        if (row == null || !row.getString(1).equals(w.tenant) || row.getBoolean(2)) {
                            w.end(true); // settled, or not the tenant's (its read answers 404 at once)
                        }
                    }
                });
    }

    /** The connection that listens, opened on first use and again when it breaks. */
    private CompletableFuture<SqlConnection> listening() {
        CompletableFuture<SqlConnection> current = listener;
        if (current != null && !current.isCompletedExceptionally()) {
            return current;
        }
        synchronized (this) {
            if (listener != null && !listener.isCompletedExceptionally()) {
                return listener;
            }
            CompletableFuture<SqlConnection> opening = new CompletableFuture<>();
            listener = opening;
            pool.getConnection().onComplete(got -> {
                if (got.failed()) {
                    opening.completeExceptionally(got.cause());
                    return;
                }
                SqlConnection connection = got.result();
                PgConnection pg = PgConnection.cast(connection);
                pg.notificationHandler(n -> {
                    try {
                        wake(UUID.fromString(n.getPayload()));
                    } catch (IllegalArgumentException e) {
                        LOG.warnf("%s: not an order id: %s", CHANNEL, n.getPayload());
                    }
                });
                pg.closeHandler(v -> {
                    synchronized (this) {
                        if (listener == opening) {
                            listener = null;
                            LOG.infof("the connection listening to %s closed; it is opened again on the next wait",
                                    CHANNEL);
                        }
                    }
                    recheckAll();
                });
                connection.query("listen " + CHANNEL).execute().onComplete(listened -> {
                    if (listened.failed()) {
                        connection.close();
                        opening.completeExceptionally(listened.cause());
                    } else {
                        opening.complete(connection);
                    }
                });
            });
            if (rechecking == null) {
                long every = recheck.toMillis();
                rechecking = timers.scheduleWithFixedDelay(this::recheckAll, every, every, TimeUnit.MILLISECONDS);
            }
            return opening;
        }
    }

    /** Closes the listening connection (the next wait opens one again). */
    private synchronized void release() {
        CompletableFuture<SqlConnection> current = listener;
        if (current != null && waiting.get() == 0) {
            listener = null;
            current.thenAccept(SqlConnection::close);
        }
    }

    private void wake(UUID orderId) {
        Set<Waiter> those = waiters.get(orderId);
        if (those != null && !those.isEmpty()) {
            check(new ArrayList<>(those));
        }
    }

    private void recheckAll() {
        List<Waiter> all = new ArrayList<>();
        waiters.values().forEach(all::addAll);
        for (int from = 0; from < all.size(); from += 1000) {
            check(all.subList(from, Math.min(all.size(), from + 1000)));
        }
    }

    @PreDestroy
    void stop() {
        timers.shutdownNow();
        continuations.shutdownNow();
        CompletableFuture<SqlConnection> current = listener;
        if (current != null) {
            current.thenAccept(SqlConnection::close);
        }
    }

    /** One caller waiting for one order. */
    private final class Waiter {
        final String tenant;
        final UUID orderId;
        final CompletableFuture<Boolean> result = new CompletableFuture<>();
        volatile ScheduledFuture<?> deadline;

        Waiter(String tenant, UUID orderId) {
            this.tenant = tenant;
            this.orderId = orderId;
        }

        /** Ends the wait once: settled or not; the caller goes on on a thread that may block. */
        void end(boolean settled) {
            boolean[] mine = new boolean[1];
            waiters.computeIfPresent(orderId, (k, those) -> {
                mine[0] = those.remove(this);
                return those.isEmpty() ? null : those;
            });
            if (!mine[0]) {
                return; // ended already
            }
            if (waiting.decrementAndGet() == 0 && releaseWhenIdle) {
                release();
            }
            ScheduledFuture<?> timer = deadline;
            if (timer != null) {
                timer.cancel(false);
            }
            try {
                continuations.execute(() -> result.complete(settled));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                result.complete(settled);
            }
        }
    }
}
