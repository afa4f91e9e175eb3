package io.sagaline.bench;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;

import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.platform.Reactive;
import io.sagaline.platform.messaging.Envelope;
import io.sagaline.platform.messaging.Outbox;
import io.sagaline.webhooks.WebhookApi;
import io.sagaline.webhooks.WebhookService;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Not a test: a benchmark, run only with {@code -Dbench=true} (see bench/README.md). Verdicts
 * (OrderApproved, committed to the orders outbox and sent as a verdict is) to 1, 8 and 32
 * subscriptions, each to its own receiver on localhost (32 are two tenants of 16, at most 25 a
 * tenant, taking turns with the verdicts): deliveries per second and the delay
 * from the verdict's commit to its receiver (p50/p99), beside the raw rate of the embedded SQS in the
 * same run (the same number of messages sent to a scratch queue and received, batch by batch, by as
 * many pollers as deliver-webhooks has).
 */
@QuarkusTest
@EnabledIfSystemProperty(named = "bench", matches = "true")
class WebhookBenchmark {

    private static final int DELIVERIES = Integer.getInteger("bench.deliveries", 400);
    private static final int SENDERS = 8;
    private static final int POLLERS = 5;

    @Inject
    Outbox outbox;
    @Inject
    WebhookService webhooks;
    @Inject
    SqsClient sqs;
    @Inject
    ObjectMapper json;

    record Result(int deliveries, double perSecond, double p50, double p99) {
    }

    @Test
    void verdictToReceiver_at1_8And32Receivers_besideTheRawQueue() throws Exception {
        run(8, 200); // warm-up
        raw(400);
        StringBuilder report = new StringBuilder("\nWebhooks: verdict commit -> receiver, about " + DELIVERIES
                + " deliveries per row (" + Instant.now() + ")\n");
        report.append(String.format("%-10s %-9s %-11s %-14s %-20s %-14s %-10s%n", "receivers", "verdicts", "deliveries",
                "delivered/s", "p50 / p99 ms", "raw queue/s", "ratio"));
        for (int receivers : new int[] { 1, 8, 32 }) {
            int verdicts = Math.max(1, DELIVERIES / Math.min(receivers, 16));
            Result r = run(receivers, verdicts);
            double rawRate = raw(r.deliveries());
            report.append(String.format("%-10d %-9d %-11d %-14.1f %-20s %-14.1f %-10.2f%n", receivers, verdicts,
                    r.deliveries(), r.perSecond(), String.format("%.1f / %.1f", r.p50(), r.p99()), rawRate,
                    r.perSecond() / rawRate));
        }
        System.out.println(report);
    }

    /** {@code verdicts} verdicts of a fresh tenant with {@code receivers} subscriptions, each its own receiver. */
    private Result run(int receivers, int verdicts) throws Exception {
        // a tenant holds at most 25 subscriptions: 32 receivers are two tenants of 16, taking turns with the verdicts
        int tenantCount = (receivers + 15) / 16;
        List<String> tenants = new ArrayList<>();
        for (int t = 0; t < tenantCount; t++) {
            tenants.add("bench-" + UUID.randomUUID());
        }
        ConcurrentLinkedQueue<double[]> arrivals = new ConcurrentLinkedQueue<>(); // {sent at (ms), delay (ms)}
        AtomicInteger received = new AtomicInteger();
        List<HttpServer> servers = new ArrayList<>();
        List<String[]> subscriptions = new ArrayList<>();
        ExecutorService serving = Executors.newFixedThreadPool(Math.min(32, 2 * receivers));
        try {
            for (int i = 0; i < receivers; i++) {
                HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 100);
                server.createContext("/hooks", exchange -> {
                    Instant now = Instant.now();
                    byte[] body = exchange.getRequestBody().readAllBytes();
                    Instant at = Instant.parse(json.readTree(new String(body, StandardCharsets.UTF_8)).get("occurredAt")
                            .asText());
                    arrivals.add(new double[] { at.toEpochMilli(), Duration.between(at, now).toNanos() / 1e6,
                            now.toEpochMilli() });
                    received.incrementAndGet();
                    exchange.sendResponseHeaders(204, -1);
                    exchange.close();
                });
                server.setExecutor(serving);
                server.start();
                servers.add(server);
                String tenant = tenants.get(i % tenantCount);
                subscriptions.add(new String[] { tenant, webhooks.create(tenant, new WebhookApi.CreateWebhook(
                        "http://localhost:" + server.getAddress().getPort() + "/hooks", List.of("OrderApproved")))
                        .webhookId().toString() });
            }
            ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < verdicts; i++) {
                String tenant = tenants.get(i % tenantCount);
                sent.add(senders.submit(() -> {
                    Envelope verdict = approved(tenant);
                    Reactive.inTransaction(() -> outbox.add("orders", verdict));
                    outbox.publish("orders", List.of(verdict));
                    return null;
                }));
            }
            for (Future<?> f : sent) {
                f.get();
            }
            senders.shutdown();
            int expected = 0;
            for (int i = 0; i < verdicts; i++) {
                expected += receivers / tenantCount;
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (received.get() < expected && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            if (received.get() < expected) {
                throw new IllegalStateException("only " + received.get() + " of " + expected + " delivered");
            }
            List<Double> delays = new ArrayList<>();
            double first = Double.MAX_VALUE;
            double last = 0;
            for (double[] a : arrivals) {
                delays.add(a[1]);
                first = Math.min(first, a[0]);
                last = Math.max(last, a[2]);
            }
            Collections.sort(delays);
            double seconds = Math.max(0.001, (last - first) / 1000);
            return new Result(expected, expected / seconds, delays.get(delays.size() / 2),
                    delays.get((int) Math.ceil(delays.size() * 0.99) - 1));
        } finally {
            for (String[] s : subscriptions) {
                webhooks.delete(s[0], s[1]);
            }
            servers.forEach(s -> s.stop(0));
            serving.shutdownNow();
        }
    }

    /**
     * Messages per second through a scratch queue of the embedded SQS: sent by 8 senders, received and deleted by 5 pollers.
     */
    private double raw(int messages) throws Exception {
        String url = sqs.createQueue(r -> r.queueName("bench-raw-" + UUID.randomUUID())).queueUrl();
        try {
            long started = System.nanoTime();
            ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
            for (int i = 0; i < messages; i++) {
                senders.submit(() -> sqs.sendMessage(r -> r.queueUrl(url).messageBody("{\"deliveryId\":\"x\"}")));
            }
            AtomicInteger done = new AtomicInteger();
            ExecutorService pollers = Executors.newFixedThreadPool(POLLERS);
            List<Future<?>> polling = new ArrayList<>();
            for (int p = 0; p < POLLERS; p++) {
                polling.add(pollers.submit(() -> {
                    while (done.get() < messages) {
                        List<Message> got = sqs
                                .receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)).messages();
                        if (got.isEmpty()) {
                            continue;
                        }
                        List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
                        for (Message m : got) {
                            entries.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(entries.size()))
                                    .receiptHandle(m.receiptHandle()).build());
                        }
                        sqs.deleteMessageBatch(r -> r.queueUrl(url).entries(entries));
                        done.addAndGet(got.size());
                    }
                    return null;
                }));
            }
            for (Future<?> f : polling) {
                f.get();
            }
            senders.shutdown();
            pollers.shutdown();
            return messages / ((System.nanoTime() - started) / 1e9);
        } finally {
            sqs.deleteQueue(r -> r.queueUrl(url));
        }
    }

    private Envelope approved(String tenant) {
        String order = UUID.randomUUID().toString();
        ObjectNode payload = json.createObjectNode().put("orderId", order).put("customerId", UUID.randomUUID().toString())
                .put("totalCents", 100);
        payload.putArray("lines").addObject().put("sku", "MUG").put("quantity", 1).put("unitPriceCents", 100);
        return new Envelope(UUID.randomUUID(), "OrderApproved", 1, tenant, order, "bench", Instant.now(), payload);
    }
}
