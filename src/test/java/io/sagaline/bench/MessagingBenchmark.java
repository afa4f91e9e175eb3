package io.sagaline.bench;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.platform.Reactive;
import io.sagaline.platform.messaging.Envelope;
import io.sagaline.platform.messaging.Outbox;
import io.sagaline.platform.messaging.Queues;
import io.sagaline.support.Db;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Not a test: a benchmark, run only with {@code -Dbench=true} (see bench/README.md). OrderApproved
 * messages through the transactional outbox (insert in a transaction, send after the commit,
 * mark sent) to the embedded SQS and the two consumers (an invoice and a notification each,
 * idempotent), against the same messages sent straight to the queues, in one run: messages per
 * second and the delay from the event to its invoice. Then the delay from a crash (messages
 * committed and never sent) to the sweeper's recovery.
 */
@QuarkusTest
@EnabledIfSystemProperty(named = "bench", matches = "true")
class MessagingBenchmark {

    private static final int MESSAGES = Integer.getInteger("bench.messages", 400);

    @Inject
    Outbox outbox;
    @Inject
    Queues queues;
    @Inject
    SqsClient sqs;
    @Inject
    ObjectMapper json;
    @Inject
    AgroalDataSource dataSource;
    @ConfigProperty(name = "sagaline.outbox.sweep-grace")
    Duration grace;
    @ConfigProperty(name = "sagaline.local.schedules.every")
    Duration every;

    record Result(double perSecond, double p50, double p99, double max) {
    }

    @Test
    void outboxToQueueToConsumer_versusStraightToTheQueue_andCrashRecovery() throws Exception {
        run(8, 100, true); // warm-up
        run(8, 100, false);
        StringBuilder report = new StringBuilder(
                "\nOrderApproved -> invoice, " + MESSAGES + " messages per row (" + Instant.now()
                        + ")\n");
        report.append(String.format("%-11s %-14s %-22s %-14s %-22s %-12s%n", "concurrency", "outbox msg/s", "outbox p50/p99 ms",
                "direct msg/s", "direct p50/p99 ms", "outbox/direct"));
        for (int concurrency : new int[] { 1, 8, 32 }) {
            Result viaOutbox = run(concurrency, MESSAGES, true);
            Result direct = run(concurrency, MESSAGES, false);
            report.append(String.format("%-11d %-14.1f %-22s %-14.1f %-22s %-12.2f%n", concurrency, viaOutbox.perSecond,
                    String.format("%.1f / %.1f", viaOutbox.p50, viaOutbox.p99), direct.perSecond,
                    String.format("%.1f / %.1f", direct.p50, direct.p99), viaOutbox.perSecond / direct.perSecond));
        }
        Result crash = crashRecovery(100);
        report.append(String.format("%nCrash: 100 messages committed, never sent; sweeper every %s, grace %s%n", every, grace));
        report.append(
                String.format("commit -> invoice: p50 %.0f ms, p99 %.0f ms, max %.0f ms%n", crash.p50, crash.p99, crash.max));
        System.out.println(report);
    }

    /** {@code count} messages from {@code concurrency} senders; the clock runs from each event to its invoice. */
    private Result run(int concurrency, int count, boolean viaOutbox) throws Exception {
        String tenant = "bench-" + UUID.randomUUID();
        ExecutorService senders = Executors.newFixedThreadPool(concurrency);
        List<Future<?>> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            sent.add(senders.submit(() -> {
                Envelope message = approved(tenant);
                if (viaOutbox) {
                    Reactive.inTransaction(() -> outbox.add("orders", message));
                    outbox.publish("orders", List.of(message));
                } else {
                    String body = json.writeValueAsString(message);
                    for (var queue : queues.subscribers(message.type())) {
                        sqs.sendMessage(r -> r.queueUrl(queues.url(queue.name())).messageBody(body));
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : sent) {
            f.get();
        }
        senders.shutdown();
        return delays(tenant, count);
    }

    /** Messages committed to the outbox and never sent, as a process dying after its commits leaves them. */
    private Result crashRecovery(int count) throws Exception {
        String tenant = "bench-" + UUID.randomUUID();
        for (int i = 0; i < count; i++) {
            Envelope message = approved(tenant);
            Reactive.inTransaction(() -> outbox.add("orders", message));
        }
        return delays(tenant, count);
    }

    private Result delays(String tenant, int count) throws InterruptedException {
        Db db = new Db(dataSource);
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        List<Map<String, Object>> rows;
        do {
            Thread.sleep(20);
            rows = db.rows("select (issued_at - occurred) as d, issued_at, occurred from (select issued_at, "
                    + "(lines -> 0 ->> 'occurredAt')::timestamptz as occurred from invoices.invoices where tenant = ?) t",
                    tenant);
        } while (rows.size() < count && System.nanoTime() < deadline);
        if (rows.size() < count) {
            throw new IllegalStateException("only " + rows.size() + " of " + count + " invoiced");
        }
        List<Double> delays = new ArrayList<>();
        Instant first = Instant.MAX;
        Instant last = Instant.MIN;
        for (Map<String, Object> row : rows) {
            Instant occurred = ((java.sql.Timestamp) row.get("occurred")).toInstant();
            Instant issued = ((java.sql.Timestamp) row.get("issued_at")).toInstant();
            delays.add(Duration.between(occurred, issued).toNanos() / 1e6);
            first = occurred.isBefore(first) ? occurred : first;
            last = issued.isAfter(last) ? issued : last;
        }
        Collections.sort(delays);
        double seconds = Duration.between(first, last).toNanos() / 1e9;
        return new Result(count / seconds, delays.get(delays.size() / 2), delays.get((int) Math.ceil(delays.size() * 0.99) - 1),
                delays.get(delays.size() - 1));
    }

    /** An OrderApproved whose one line carries the moment it was created (to measure from, in the invoice). */
    private Envelope approved(String tenant) {
        String order = UUID.randomUUID().toString();
        Instant now = Instant.now();
        ObjectNode payload = json.createObjectNode().put("orderId", order).put("customerId", UUID.randomUUID().toString())
                .put("totalCents", 100);
        payload.putArray("lines").addObject().put("sku", "MUG").put("quantity", 1).put("unitPriceCents", 100)
                .put("occurredAt", OffsetDateTime.ofInstant(now, java.time.ZoneOffset.UTC).toString());
        return new Envelope(UUID.randomUUID(), "OrderApproved", 1, tenant, order, "bench", now, payload);
    }
}
