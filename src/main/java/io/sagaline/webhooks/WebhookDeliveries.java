package io.sagaline.webhooks;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.sagaline.platform.Reactive;
import io.sagaline.platform.Sql;
import io.sagaline.platform.messaging.Envelope;
import io.sagaline.platform.messaging.Queues;
import io.sagaline.platform.observability.Metrics;
import io.sagaline.platform.observability.Telemetry;
import io.smallrye.mutiny.Uni;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Delivers the events tenants subscribed to. {@link #fanOut} records, in the transaction that
 * consumes an order's verdict, one delivery per subscription that wants it, and {@link #wake}s
 * each: a message on {@value #QUEUE} naming it. {@link #deliver} takes a batch of those, claims
 * each delivery that is due, POSTs them all at once ({@link WebhookSender}), and records every
 * attempt. The database decides; a message is only a cue to look:
 * <ul>
 * <li>a failed attempt is tried again after an exponential backoff with jitter (base, doubling,
 * capped), its message hidden until then; once the next attempt would start more than
 * {@code period} after the first, the delivery is FAILED and its cue moved to the dead-letter
 * queue; a replay sends it again, and so does its dead letter redriven to the queue
 * (redrive-dead-letters), which says so ({@code deadLettered}); any other cue of it is dropped;</li>
 * <li>per subscription, an order's events are delivered in the order they happened: a delivery
 * waits while an earlier one of the same order is open, and is woken when that one ends;</li>
 * <li>a message that arrives early is hidden again until its delivery is due (at most
 * {@code wake-cap} at a time); a delivery whose cue was lost is woken by {@link #sweep}.</li>
 * </ul>
 * At least once: a receiver may get an event twice (a crash after its answer), with the same
 * {@code webhook-id}, and dedupes by it.
 */
@ApplicationScoped
public class WebhookDeliveries {

    private static final Logger LOG = Logger.getLogger(WebhookDeliveries.class);
    static final String QUEUE = "webhooks-deliveries";
    private static final String OPEN = "status in ('PENDING', 'SENDING')";
    /**
     * The ordering rule, as SQL: delivery {@code e} is an open delivery of an earlier event of {@code d}'s order to its
     * subscription.
     */
    private static final String EARLIER_OPEN = "e.subscription_id = d.subscription_id and e.order_id = d.order_id"
            + " and e.status in ('PENDING', 'SENDING') and (e.occurred_at, e.id) < (d.occurred_at, d.id)";

    private final Clock clock;
    private final SqsClient sqs;
    private final Queues queues;
    private final ObjectMapper json;
    private final WebhookUrls urls;
    private final WebhookSender sender;
    private final WebhookSecrets secrets;
    private final Duration base;
    private final Duration cap;
    private final Duration period;
    private final Duration wakeCap;
    private final Duration claim;
    private final Telemetry telemetry;
    private final Metrics metrics;

    WebhookDeliveries(Clock clock, SqsClient sqs, Queues queues, ObjectMapper json, WebhookUrls urls,
            WebhookSender sender, WebhookSecrets secrets, Telemetry telemetry, Metrics metrics,
            @ConfigProperty(name = "sagaline.webhooks.retry.base", defaultValue = "10s") Duration base,
            @ConfigProperty(name = "sagaline.webhooks.retry.cap", defaultValue = "1h") Duration cap,
            @ConfigProperty(name = "sagaline.webhooks.retry.period", defaultValue = "24h") Duration period,
            @ConfigProperty(name = "sagaline.webhooks.wake-cap", defaultValue = "12h") Duration wakeCap,
            @ConfigProperty(name = "sagaline.webhooks.claim", defaultValue = "60s") Duration claim) {
        this.clock = clock;
        this.sqs = sqs;
        this.queues = queues;
        this.json = json;
        this.urls = urls;
        this.sender = sender;
        this.secrets = secrets;
        this.base = base;
        this.cap = cap;
        this.period = period;
        this.wakeCap = wakeCap;
        this.claim = claim;
        this.telemetry = telemetry;
        this.metrics = metrics;
    }

    /**
     * The wait before attempt {@code failed + 1}: half of min(cap, base * 2^(failed-1)), plus up to as much again at random.
     */
    Duration backoff(int failed) {
        long ceiling = Math.min(cap.toMillis(), base.toMillis() << Math.min(failed - 1, 30));
        return Duration.ofMillis(ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1));
    }

    private OffsetDateTime now() {
        return OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    // ---- fan-out

    /** The body a receiver gets for {@code event}: its id, type, time and what became of the order. */
    String body(Envelope event) {
        JsonNode p = event.payload();
        ObjectNode data = json.createObjectNode().put("orderId", p.path("orderId").asText());
        if (p.hasNonNull("customerId")) {
            data.put("customerId", p.path("customerId").asText());
        }
        data.put("status", switch (event.type()) {
            case "OrderApproved" -> "APPROVED";
            case "OrderRejected" -> "REJECTED";
            case "OrderCancelled" -> "CANCELLED";
            default -> throw new IllegalArgumentException("webhooks do not carry " + event.type());
        });
        if (p.hasNonNull("totalCents")) {
            data.put("totalCents", p.path("totalCents").asLong());
        }
        if (p.hasNonNull("reason")) {
            data.put("rejectionReason", p.path("reason").asText());
        }
        ObjectNode body = json.createObjectNode().put("id", event.id().toString()).put("type", event.type())
                .put("occurredAt", event.occurredAt().toString());
        body.set("data", data);
        return body.toString();
    }

    /**
     * Records, in the caller's transaction, a delivery of {@code event} to each of its tenant's
     * subscriptions that want it; {@code made} receives their ids, to {@link #wake} after the commit.
     */
    public Uni<Void> fanOut(Envelope event, List<UUID> made) {
        String body = body(event);
        OffsetDateTime now = now();
        String order = event.payload().path("orderId").asText(null);
        return Sql.rows("""
                insert into webhooks.deliveries (id, tenant, subscription_id, event_id, event_type, order_id, occurred_at,
                                                 body, status, next_attempt_at, created_at)
                select gen_random_uuid(), s.tenant, s.id, ?1, ?2, cast(?3 as uuid), ?4, ?5, 'PENDING', ?6, ?6
                from webhooks.subscriptions s
                where s.tenant = ?7 and s.deleted_at is null and ?2 = any(s.events)
                on conflict (subscription_id, event_id) do nothing
                returning id""", event.id(), event.type(), order,
                OffsetDateTime.ofInstant(event.occurredAt(), ZoneOffset.UTC), body, now, event.tenant())
                .invoke(rows -> rows.forEach(r -> made.add((UUID) r[0]))).replaceWithVoid();
    }

    /** Puts a cue for each delivery on the queue. Best effort: a cue not sent is sent by {@link #sweep}. */
    public void wake(List<UUID> deliveries) {
        for (int from = 0; from < deliveries.size(); from += 10) {
            List<UUID> some = deliveries.subList(from, Math.min(deliveries.size(), from + 10));
            List<software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (UUID delivery : some) {
                entries.add(software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry.builder()
                        .id(Integer.toString(entries.size())).messageBody(cue(delivery)).build());
            }
            try {
                var answer = sqs.sendMessageBatch(r -> r.queueUrl(queues.url(QUEUE)).entries(entries));
                answer.failed().forEach(f -> LOG.warnf("delivery %s not woken now (%s); the sweep wakes it",
                        some.get(Integer.parseInt(f.id())), f.message()));
            } catch (RuntimeException e) {
                LOG.warnf("%d deliveries not woken now (%s); the sweep wakes them", some.size(), e.getMessage());
            }
        }
    }

    private String cue(UUID delivery) {
        return json.createObjectNode().put("deliveryId", delivery.toString()).toString();
    }

    /**
     * Wakes the deliveries whose cue was lost: open, due for longer than {@code grace} (or claimed by
     * a deliverer that died), and not waiting for an earlier event of their order (whose end wakes
     * them); returns how many. A cue that is only late (a backlog longer than the grace) gets a
     * second, which the claim makes harmless: the grace keeps that rare.
     */
    public int sweep(Duration grace) {
        OffsetDateTime stale = now().minus(grace);
        List<UUID> stuck = Reactive.inTransaction(() -> Sql.rows("""
                select d.id from webhooks.deliveries d
                where d.status in ('PENDING', 'SENDING') and d.next_attempt_at < ?1
                  and (d.status = 'PENDING' or d.claimed_until < ?1)
                  and not exists (select 1 from webhooks.deliveries e
                                  where %s)
                order by d.next_attempt_at limit 1000""".formatted(EARLIER_OPEN), stale)).stream().map(r -> (UUID) r[0])
                .toList();
        wake(stuck);
        return stuck.size();
    }

    // ---- delivery

    /** A claimed delivery, ready to send; {@code followed}: a later event of its order waits for it. */
    private record Claimed(SQSEvent.SQSMessage message, UUID id, int attempt, int retryBase, Instant firstAttempt,
            String tenant, UUID subscription, UUID eventId, String body, String url, byte[] secret, byte[] previous,
            Instant previousExpires, boolean followed) {
    }

    /** An attempt made: what to record. */
    private record Attempted(Claimed claimed, Instant started, WebhookSender.Outcome outcome) {
    }

    /**
     * One batch of cues: claims the due deliveries in one statement, sends them all at once, records
     * every attempt in one transaction; answers the messages to keep (hidden until their delivery is due).
     */
    public SQSBatchResponse deliver(SQSEvent batch) {
        List<SQSBatchResponse.BatchItemFailure> keep = new ArrayList<>();
        Map<UUID, SQSEvent.SQSMessage> cues = new LinkedHashMap<>();
        java.util.Set<UUID> revive = new java.util.HashSet<>();
        for (SQSEvent.SQSMessage message : batch.getRecords() == null ? List.<SQSEvent.SQSMessage> of()
                : batch.getRecords()) {
            try {
                JsonNode cue = json.readTree(message.getBody());
                UUID id = UUID.fromString(cue.path("deliveryId").asText());
                cues.putIfAbsent(id, message); // a second cue of one delivery in one batch is redundant: done with
                if (cue.path("deadLettered").asBoolean(false)) {
                    revive.add(id);
                }
            } catch (Exception e) {
                LOG.warnf("not a delivery's cue, dropped: %s", message.getBody());
            }
        }
        List<Claimed> claimed = new ArrayList<>();
        try {
            claimed.addAll(claim(cues));
        } catch (RuntimeException e) {
            LOG.warnf("%d deliveries not claimed now: %s", cues.size(), e.toString());
            cues.values().forEach(m -> keep.add(item(m)));
            return SQSBatchResponse.builder().withBatchItemFailures(keep).build();
        }
        java.util.Set<UUID> taken = new java.util.HashSet<>();
        claimed.forEach(c -> taken.add(c.id()));
        for (Map.Entry<UUID, SQSEvent.SQSMessage> cue : cues.entrySet()) {
            if (taken.contains(cue.getKey())) {
                continue;
            }
            try {
                Optional<Duration> later = inspect(cue.getValue(), cue.getKey(), revive.contains(cue.getKey()), claimed);
                if (later.isPresent()) {
                    hide(cue.getValue(), later.get());
                    keep.add(item(cue.getValue()));
                }
            } catch (RuntimeException e) {
                LOG.warnf("delivery %s not claimed now: %s", cue.getKey(), e.toString());
                keep.add(item(cue.getValue()));
            }
        }
        List<Attempted> attempted = new ArrayList<>(send(claimed));
        // recorded in the order of their ids, as every other writer of several deliveries locks them: no deadlock
        attempted.sort(java.util.Comparator.comparing(a -> a.claimed().id()));
        List<Recorded> recorded;
        try {
            recorded = record(attempted);
        } catch (RuntimeException e) {
            LOG.warnf("%d attempts not recorded (%s); their claims expire and they are tried again", attempted.size(),
                    e.toString());
            attempted.forEach(a -> keep.add(item(a.claimed().message())));
            telemetry.endOfInvocation();
            return SQSBatchResponse.builder().withBatchItemFailures(keep).build();
        }
        for (int i = 0; i < attempted.size(); i++) {
            Attempted a = attempted.get(i);
            MDC.put("deliveryId", a.claimed().id().toString());
            MDC.put("tenant", a.claimed().tenant());
            try {
                if (!after(a, recorded.get(i))) {
                    keep.add(item(a.claimed().message()));
                }
            } catch (RuntimeException e) {
                LOG.warnf("after attempt %d of delivery %s: %s", a.claimed().attempt(), a.claimed().id(), e.toString());
            } finally {
                MDC.remove("deliveryId");
                MDC.remove("tenant");
            }
        }
        telemetry.endOfInvocation();
        return SQSBatchResponse.builder().withBatchItemFailures(keep).build();
    }

    private static SQSBatchResponse.BatchItemFailure item(SQSEvent.SQSMessage message) {
        return SQSBatchResponse.BatchItemFailure.builder().withItemIdentifier(message.getMessageId()).build();
    }

    /**
     * Claims, in one statement, those of the cues' deliveries that are due and not waiting for an earlier event of their order.
     */
    private List<Claimed> claim(Map<UUID, SQSEvent.SQSMessage> cues) {
        if (cues.isEmpty()) {
            return List.of();
        }
        OffsetDateTime now = now();
        List<Object[]> rows = Reactive.inTransaction(() -> Sql.rows(
                """
                        update webhooks.deliveries d set status = 'SENDING', claimed_until = ?3, attempts = d.attempts + 1,
                            first_attempt_at = coalesce(d.first_attempt_at, ?2)
                        from webhooks.subscriptions s
                        where d.id in (select id from webhooks.deliveries where id in (?1) order by id for update skip locked)
                          and s.id = d.subscription_id and s.deleted_at is null and d.next_attempt_at <= ?2
                          and (d.status = 'PENDING' or (d.status = 'SENDING' and d.claimed_until < ?2))
                          and not exists (select 1 from webhooks.deliveries e
                                          where %s)
                        returning d.id, d.attempts, d.retry_base, d.first_attempt_at, d.tenant, d.subscription_id, d.event_id, d.body, s.url,
                            encode(s.secret_sealed, 'hex'), encode(s.previous_secret_sealed, 'hex'), s.previous_secret_expires_at,
                            exists (select 1 from webhooks.deliveries n where n.subscription_id = d.subscription_id
                                    and n.order_id = d.order_id and n.id <> d.id and n.status = 'PENDING')"""
                        .formatted(EARLIER_OPEN),
                List.copyOf(cues.keySet()), now, now.plus(claim)));
        HexFormat hex = HexFormat.of();
        List<Claimed> claimed = new ArrayList<>();
        for (Object[] r : rows) {
            UUID id = (UUID) r[0];
            claimed.add(new Claimed(cues.get(id), id, ((Number) r[1]).intValue(), ((Number) r[2]).intValue(),
                    Sql.instant(r[3]), (String) r[4], (UUID) r[5], (UUID) r[6], (String) r[7], (String) r[8],
                    r[9] == null ? null : hex.parseHex((String) r[9]), r[10] == null ? null : hex.parseHex((String) r[10]),
                    r[11] == null ? null : Sql.instant(r[11]), (Boolean) r[12]));
        }
        return claimed;
    }

    /**
     * A cue whose delivery was not claimed: how long it waits, or empty if it is done with (a
     * redriven dead letter revives its delivery, which is claimed into {@code claimed}).
     */
    private Optional<Duration> inspect(SQSEvent.SQSMessage message, UUID id, boolean revive, List<Claimed> claimed) {
        OffsetDateTime now = now();
        List<Object[]> found = Reactive.inTransaction(() -> Sql.rows("""
                select d.status, d.next_attempt_at, d.claimed_until, s.deleted_at is not null,
                       (select min(e.next_attempt_at) from webhooks.deliveries e
                        where %s)
                from webhooks.deliveries d join webhooks.subscriptions s on s.id = d.subscription_id where d.id = ?1"""
                .formatted(EARLIER_OPEN), id));
        if (found.isEmpty()) {
            return Optional.empty(); // not a delivery (any more)
        }
        Object[] d = found.get(0);
        String status = (String) d[0];
        Instant at = now.toInstant();
        if ((Boolean) d[3]) {
            Reactive.inTransaction(() -> Sql.execute("update webhooks.deliveries set status = 'CANCELLED', claimed_until = null"
                    + " where id = ?1 and " + OPEN, id));
            return Optional.empty();
        }
        if (status.equals("FAILED") && revive) {
            // its dead letter, redriven (redrive-dead-letters): it is tried again, its retries starting over;
            // any other cue of a FAILED delivery (a late duplicate) is dropped, and only a replay revives it
            Reactive.inTransaction(() -> Sql.execute("update webhooks.deliveries set status = 'PENDING', next_attempt_at = ?2,"
                    + " first_attempt_at = null, failed_at = null, retry_base = attempts where id = ?1 and status = 'FAILED'",
                    id, now));
            List<Claimed> again = claim(Map.of(id, message));
            claimed.addAll(again);
            return again.isEmpty() ? Optional.of(Duration.ofSeconds(1)) : Optional.empty();
        }
        if (!status.equals("PENDING") && !status.equals("SENDING")) {
            return Optional.empty(); // DELIVERED or CANCELLED
        }
        if (d[4] != null) {
            return Optional.of(until(at, Sql.instant(d[4]))); // an earlier event of its order goes first
        }
        if (status.equals("SENDING")) {
            return Optional.of(until(at, Sql.instant(d[2])));
        }
        return Optional.of(until(at, Sql.instant(d[1])));
    }

    /** POSTs every claimed delivery at once, each in its span; waits for all (each within the sender's timeout). */
    private List<Attempted> send(List<Claimed> claimed) {
        List<Instant> started = new ArrayList<>();
        List<Span> spans = new ArrayList<>();
        List<CompletableFuture<WebhookSender.Outcome>> sent = new ArrayList<>();
        for (Claimed c : claimed) {
            started.add(clock.instant());
            spans.add(telemetry.tracer().spanBuilder("webhook POST").setSpanKind(SpanKind.CLIENT)
                    .setAttribute("http.request.method", "POST").setAttribute("sagaline.webhook.delivery_id", c.id().toString())
                    .setAttribute("sagaline.webhook.attempt", c.attempt()).setAttribute("sagaline.tenant", c.tenant())
                    .startSpan());
            CompletableFuture<WebhookSender.Outcome> outcome;
            try {
                outcome = send(c).toCompletableFuture();
            } catch (RuntimeException e) {
                outcome = CompletableFuture.completedFuture(new WebhookSender.Outcome("FAILED", null, 0, "not sent: " + e));
            }
            sent.add(outcome);
        }
        List<Attempted> attempted = new ArrayList<>();
        for (int i = 0; i < claimed.size(); i++) {
            WebhookSender.Outcome outcome;
            try {
                outcome = sent.get(i).get(claim.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                outcome = new WebhookSender.Outcome("FAILED", null, claim.toMillis(), "no answer: " + e);
            }
            Span span = spans.get(i);
            span.setAttribute("sagaline.webhook.outcome", outcome.outcome());
            if (outcome.status() != null) {
                span.setAttribute("http.response.status_code", outcome.status());
            }
            if (!outcome.delivered()) {
                span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR, String.valueOf(outcome.error()));
            }
            span.end();
            attempted.add(new Attempted(claimed.get(i), started.get(i), outcome));
        }
        return attempted;
    }

    /** How long a cue waits for {@code due}: at least a second (a cue is not spun), at most the wake cap. */
    private Duration until(Instant now, Instant due) {
        Duration wait = Duration.between(now, due);
        if (wait.compareTo(Duration.ofSeconds(1)) < 0) {
            return Duration.ofSeconds(1);
        }
        return wait.compareTo(wakeCap) > 0 ? wakeCap : wait;
    }

    private void hide(SQSEvent.SQSMessage message, Duration wait) {
        int seconds = (int) Math.min(43_200, Math.max(0, (wait.toMillis() + 999) / 1000));
        try {
            sqs.changeMessageVisibility(r -> r.queueUrl(queues.url(QUEUE)).receiptHandle(message.getReceiptHandle())
                    .visibilityTimeout(seconds));
        } catch (RuntimeException e) {
            LOG.debugf("cue %s not hidden (%s): it comes back after the queue's visibility timeout", message.getMessageId(),
                    e.getMessage());
        }
    }

    private java.util.concurrent.CompletionStage<WebhookSender.Outcome> send(Claimed c) {
        WebhookUrls.Target target;
        try {
            target = urls.check(c.url()); // again, now: where its name points today
        } catch (WebhookUrls.Refused e) {
            return CompletableFuture
                    .completedFuture(new WebhookSender.Outcome("REFUSED", null, 0, "not sent: the URL " + e.getMessage()));
        }
        List<String> signing = secrets.open(c.tenant(), c.subscription(), c.secret(), c.previous(), c.previousExpires());
        long timestamp = clock.instant().getEpochSecond();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("content-type", "application/json");
        headers.put("user-agent", "Sagaline-Webhooks/1");
        headers.put("webhook-id", c.eventId().toString());
        headers.put("webhook-timestamp", Long.toString(timestamp));
        headers.put("webhook-signature", WebhookSignatures.header(c.eventId().toString(), timestamp, c.body(), signing));
        return sender.post(c.subscription().toString(), target, headers, c.body());
    }

    /** What follows from an attempt: delivered, retried after a backoff, or FAILED for good. */
    private record Next(String status, Duration delay, OffsetDateTime at) {
        boolean delivered() {
            return status.equals("DELIVERED");
        }

        boolean dead() {
            return status.equals("FAILED");
        }
    }

    private Next next(Attempted a, OffsetDateTime now) {
        boolean delivered = a.outcome().delivered();
        // an open circuit holds a delivery for as long as it stays open (and a little more, spread), not a backoff
        Duration wait = delivered ? Duration.ZERO
                : "CIRCUIT_OPEN".equals(a.outcome().outcome())
                        ? sender.openFor().plusMillis(ThreadLocalRandom.current().nextLong(5_000))
                        : backoff(a.claimed().attempt() - a.claimed().retryBase());
        boolean dead = !delivered && now.toInstant().plus(wait).isAfter(a.claimed().firstAttempt().plus(period));
        return new Next(delivered ? "DELIVERED" : dead ? "FAILED" : "PENDING", wait, now.plus(wait));
    }

    /**
     * Records every attempt and its delivery's next state in one transaction; per attempt, whether
     * its delivery was still this attempt's (another deliverer may have taken an expired claim over).
     */
    private List<Recorded> record(List<Attempted> attempted) {
        if (attempted.isEmpty()) {
            return List.of();
        }
        OffsetDateTime now = now();
        List<Next> nexts = attempted.stream().map(a -> next(a, now)).toList();
        List<Boolean> mine = new ArrayList<>();
        Reactive.inTransaction(() -> {
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (int i = 0; i < attempted.size(); i++) {
                Attempted a = attempted.get(i);
                Claimed c = a.claimed();
                Next n = nexts.get(i);
                chain = chain.chain(() -> Sql.execute("""
                        insert into webhooks.attempts (delivery_id, attempt, tenant, started_at, latency_ms, response_status,
                                                       outcome, error)
                        values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) on conflict do nothing""", c.id(), c.attempt(), c.tenant(),
                        OffsetDateTime.ofInstant(a.started(), ZoneOffset.UTC), (int) a.outcome().latencyMillis(),
                        a.outcome().status(), a.outcome().outcome(), a.outcome().error()))
                        .chain(() -> Sql.execute("""
                                update webhooks.deliveries set status = ?3, claimed_until = null, next_attempt_at = ?4,
                                    delivered_at = case when ?3 = 'DELIVERED' then cast(?5 as timestamptz) end,
                                    failed_at = case when ?3 = 'FAILED' then cast(?5 as timestamptz) end
                                where id = ?1 and status = 'SENDING' and attempts = ?2""", c.id(), c.attempt(), n.status(),
                                n.at(), now))
                        .invoke(changed -> {
                            mine.add(changed == 1);
                        }).replaceWithVoid();
            }
            return chain;
        });
        List<Recorded> recorded = new ArrayList<>();
        for (int i = 0; i < attempted.size(); i++) {
            recorded.add(new Recorded(nexts.get(i), mine.get(i)));
        }
        return recorded;
    }

    /** An attempt's next state, and whether its delivery was still this attempt's when it was recorded. */
    private record Recorded(Next next, boolean mine) {
    }

    /**
     * After a recorded attempt: true if its cue is done with (delivered, or dead-lettered), false if
     * it is kept, hidden until the next attempt.
     */
    private boolean after(Attempted a, Recorded recorded) {
        Claimed c = a.claimed();
        WebhookSender.Outcome outcome = a.outcome();
        Next n = recorded.next();
        LOG.infof("webhook delivery=%s attempt=%d outcome=%s status=%s latencyMs=%d%s", c.id(), c.attempt(),
                outcome.outcome(), outcome.status(), outcome.latencyMillis(),
                n.delivered() ? "" : n.dead() ? " dead-lettered" : " next in " + n.delay().toSeconds() + " s");
        metrics.webhookAttempt(outcome.outcome(), n.delivered() ? "delivered" : n.dead() ? "dead-lettered" : "retried",
                Duration.ofMillis(outcome.latencyMillis()));
        if (!recorded.mine()) {
            return true; // another deliverer took it over meanwhile: its cue is that one's
        }
        if (n.delivered() || n.dead()) {
            if (n.dead()) {
                deadLetter(c);
            }
            if (c.followed()) {
                wakeNext(c);
            }
            return true;
        }
        hide(c.message(), until(now().toInstant(), n.at().toInstant()));
        return false;
    }

    /** Moves the cue of a FAILED delivery to the dead-letter queue; the delivery's log and a replay do not need it there. */
    private void deadLetter(Claimed c) {
        try {
            String letter = json.createObjectNode().put("deliveryId", c.id().toString()).put("deadLettered", true)
                    .put("webhookId", c.subscription().toString()).put("tenant", c.tenant()).toString();
            sqs.sendMessage(r -> r.queueUrl(queues.url(QUEUE + "-dlq")).messageBody(letter));
        } catch (RuntimeException e) {
            LOG.errorf("delivery %s is FAILED but its cue is not in %s-dlq (%s): replay it by its log", c.id(), QUEUE,
                    e.getMessage());
        }
    }

    /** Wakes the next open delivery of the same subscription and order, which waited for this one. */
    private void wakeNext(Claimed c) {
        List<UUID> next = Reactive.inTransaction(() -> Sql.rows("""
                select e.id from webhooks.deliveries e join webhooks.deliveries d on d.id = ?1
                where e.subscription_id = d.subscription_id and e.order_id = d.order_id and e.status = 'PENDING'
                order by e.occurred_at, e.id limit 1""", c.id())).stream().map(r -> (UUID) r[0]).toList();
        wake(next);
    }
}
