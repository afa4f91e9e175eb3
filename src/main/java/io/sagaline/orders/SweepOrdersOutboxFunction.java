package io.sagaline.orders;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

import io.sagaline.platform.messaging.Outbox;
import io.sagaline.platform.messaging.RedisLock;

/**
 * Scheduled: sends what the orders outbox still holds unsent after a grace period (a process that
 * died between its commit and its send). One sweeper at a time, by a lease in Redis; a sweeper
 * that finds the lease taken does nothing. It stops before its own timeout, leaving the rest
 * to the next run, and deletes messages sent longer ago than the retention
 * ({@code sagaline.outbox.retention}, 7 days).
 */
@Named("sweep-orders-outbox")
public class SweepOrdersOutboxFunction implements RequestHandler<Map<String, Object>, SweepOrdersOutboxFunction.Swept> {

    private static final Logger LOG = Logger.getLogger(SweepOrdersOutboxFunction.class);
    private static final int PAGE = 200;

    /** {@code sent}: messages sent by this run; {@code locked}: another sweeper held the lease. */
    public record Swept(int sent, boolean locked) {
    }

    @Inject
    Outbox outbox;
    @Inject
    RedisLock locks;
    @ConfigProperty(name = "sagaline.outbox.sweep-grace", defaultValue = "PT30S")
    Duration grace;
    @ConfigProperty(name = "sagaline.outbox.retention", defaultValue = "P7D")
    Duration retention;

    @Override
    public Swept handleRequest(Map<String, Object> scheduledEvent, Context context) {
        Duration budget = Duration.ofMillis(Math.max(1000, context.getRemainingTimeInMillis() - 2000));
        Optional<RedisLock.Lease> lease = locks.tryAcquire("outbox-sweeper:" + OrderCommands.SCHEMA, budget);
        if (lease.isEmpty()) {
            return new Swept(0, true);
        }
        try (RedisLock.Lease held = lease.get()) {
            long deadline = System.nanoTime() + budget.toNanos();
            int sent = 0;
            int batch;
            do {
                batch = outbox.sweep(OrderCommands.SCHEMA, grace, PAGE);
                sent += batch;
            } while (batch == PAGE && System.nanoTime() < deadline);
            int purged = outbox.purge(OrderCommands.SCHEMA, retention);
            if (sent > 0 || purged > 0) {
                LOG.infof("swept the orders outbox: sent %d messages left unsent, deleted %d sent before %s ago", sent, purged,
                        retention);
            }
            return new Swept(sent, false);
        }
    }
}
