package io.sagaline.platform.messaging;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

/**
 * Scheduled: sends what a service's outbox still holds unsent after a grace period (a process that
 * died between its commit and its send). One sweeper per outbox at a time, by a lease in Redis
 * (15 s, renewed after each page of 200, so a sweeper that dies holds up the next for 15 s at
 * most; a page slower than that may overlap the next sweeper, which sends a message twice at
 * worst, as a crash does); a sweeper that finds the lease taken does nothing. It stops before its own timeout, leaving the
 * rest to the next run, and deletes messages sent longer ago than the retention
 * ({@code sagaline.outbox.retention}, 7 days). Each service's sweeper names its schema.
 */
public abstract class OutboxSweeper implements RequestHandler<Map<String, Object>, OutboxSweeper.Swept> {

    private static final Logger LOG = Logger.getLogger(OutboxSweeper.class);
    private static final int PAGE = 200;
    /** How long a sweeper's lease lasts without its renewal (after each page). */
    static final Duration LEASE = Duration.ofSeconds(15);

    /**
     * {@code sent}: how many fewer messages are unsent than when it started; {@code locked}: another sweeper held the lease.
     */
    public record Swept(int sent, boolean locked) {
    }

    @Inject
    Outbox outbox;
    @Inject
    RedisLock locks;
    @Inject
    io.sagaline.platform.observability.Metrics metrics;
    @Inject
    io.sagaline.platform.observability.Telemetry telemetry;
    @ConfigProperty(name = "sagaline.outbox.sweep-grace", defaultValue = "PT30S")
    Duration grace;
    @ConfigProperty(name = "sagaline.outbox.retention", defaultValue = "P7D")
    Duration retention;

    /** The schema whose outbox this sweeper sweeps. */
    protected abstract String schema();

    @Override
    public Swept handleRequest(Map<String, Object> scheduledEvent, Context context) {
        Duration budget = Duration.ofMillis(Math.max(1000, context.getRemainingTimeInMillis() - 2000));
        // A short lease, renewed after each page: a sweeper that dies (a halted or killed process)
        // holds up the next one for at most LEASE, not for its whole budget.
        Duration ttl = budget.compareTo(LEASE) < 0 ? budget : LEASE;
        Optional<RedisLock.Lease> lease = locks.tryAcquire("outbox-sweeper:" + schema(), ttl);
        if (lease.isEmpty()) {
            return new Swept(0, true);
        }
        try (RedisLock.Lease held = lease.get()) {
            long deadline = System.nanoTime() + budget.toNanos();
            long unsentBefore = outbox.unsent(schema());
            int batch;
            boolean holding = true;
            do {
                batch = outbox.sweep(schema(), grace, PAGE);
                holding = held.renew(ttl);
            } while (batch == PAGE && holding && System.nanoTime() < deadline);
            Outbox.Backlog left = outbox.backlog(schema());
            metrics.outbox(schema(), left.unsent(), left.oldest());
            int sent = (int) Math.max(0, unsentBefore - left.unsent());
            int purged = outbox.purge(schema(), retention);
            if (sent > 0 || purged > 0) {
                LOG.infof("swept the %s outbox: sent %d messages left unsent, deleted %d sent before %s ago", schema(), sent,
                        purged, retention);
            }
            return new Swept(sent, false);
        } finally {
            telemetry.endOfInvocation();
        }
    }
}
