package io.sagaline.webhooks;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagaline.platform.Ids;
import io.sagaline.platform.Reactive;
import io.sagaline.platform.Sql;
import io.sagaline.platform.crypto.DataKeyStore;
import io.sagaline.platform.crypto.PersonalData;
import io.sagaline.platform.http.ApiException;
import io.sagaline.platform.http.Paging;
import io.sagaline.webhooks.WebhookApi.Attempt;
import io.sagaline.webhooks.WebhookApi.CreateWebhook;
import io.sagaline.webhooks.WebhookApi.Deliveries;
import io.sagaline.webhooks.WebhookApi.Delivery;
import io.sagaline.webhooks.WebhookApi.Webhook;
import io.smallrye.mutiny.Uni;

/**
 * A tenant's webhook subscriptions: made with a signing secret shown once (sealed at rest under a
 * data key of the subscription's own, which deleting it shreds), read, deleted, and their secret
 * rotated with an overlap during which both sign; and their deliveries' log and replay.
 */
@ApplicationScoped
public class WebhookService {

    static final String SCHEMA = "webhooks";
    /** A tenant's most subscriptions. */
    static final int MAX_PER_TENANT = 25;
    static final Duration DEFAULT_OVERLAP = Duration.ofHours(24);

    private final WebhookUrls urls;
    private final DataKeyStore dataKeys;
    private final Clock clock;
    private final WebhookDeliveries deliveries;

    WebhookService(WebhookUrls urls, DataKeyStore dataKeys, Clock clock, WebhookDeliveries deliveries) {
        this.urls = urls;
        this.dataKeys = dataKeys;
        this.clock = clock;
        this.deliveries = deliveries;
    }

    static PersonalData.Subject subject(String tenant, UUID subscription) {
        return new PersonalData.Subject(SCHEMA, tenant, subscription.toString());
    }

    public Webhook create(String tenant, CreateWebhook request) {
        try {
            urls.check(request.url());
        } catch (WebhookUrls.Refused e) {
            throw ApiException.badRequest("url", e.getMessage());
        }
        List<String> events = events(request.events());
        UUID id = UUID.randomUUID();
        String secret = WebhookSignatures.newSecret();
        PersonalData.Key key = dataKeys.keyOf(subject(tenant, id));
        byte[] sealed = key.seal("secret", secret);
        OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
        Reactive.inTransaction(() -> Sql.rows("select pg_advisory_xact_lock(hashtext('webhooks:' || ?1))", tenant)
                .chain(() -> Sql.rows("select count(*) from webhooks.subscriptions where tenant = ?1 and deleted_at is null",
                        tenant))
                .chain(count -> {
                    if (((Number) count.get(0)[0]).intValue() >= MAX_PER_TENANT) {
                        throw ApiException.conflict("a tenant has at most " + MAX_PER_TENANT
                                + " webhooks; delete one first (DELETE /webhooks/{webhookId})");
                    }
                    return Sql.execute("""
                            insert into webhooks.subscriptions (id, tenant, url, events, secret_sealed, created_at)
                            values (?1, ?2, ?3, ?4, decode(?5, 'hex'), ?6)""", id, tenant, request.url(),
                            events.toArray(String[]::new), HexFormat.of().formatHex(sealed), now);
                }));
        return new Webhook(id, request.url(), events, now.toInstant(), null, null, secret);
    }

    private static List<String> events(List<String> asked) {
        LinkedHashSet<String> events = new LinkedHashSet<>();
        for (String event : asked) {
            if (!WebhookApi.EVENTS.contains(event)) {
                throw ApiException.badRequest("events", "must name events of " + WebhookApi.EVENTS + ", not " + event);
            }
            events.add(event);
        }
        return List.copyOf(events);
    }

    public List<Webhook> list(String tenant) {
        return Reactive.inTransaction(() -> Sql.rows("""
                select id, url, array_to_string(events, ','), created_at, secret_rotated_at, previous_secret_expires_at
                from webhooks.subscriptions where tenant = ?1 and deleted_at is null order by created_at, id""", tenant))
                .stream().map(this::webhook).toList();
    }

    public Optional<Webhook> find(String tenant, String webhookId) {
        Optional<UUID> id = Ids.uuid(webhookId);
        if (id.isEmpty()) {
            return Optional.empty();
        }
        return Reactive.inTransaction(() -> Sql.rows("""
                select id, url, array_to_string(events, ','), created_at, secret_rotated_at, previous_secret_expires_at
                from webhooks.subscriptions where tenant = ?1 and id = ?2 and deleted_at is null""", tenant, id.get()))
                .stream().findFirst().map(this::webhook);
    }

    private Webhook webhook(Object[] row) {
        Instant expires = row[5] == null ? null : Sql.instant(row[5]);
        return new Webhook((UUID) row[0], (String) row[1], List.of(((String) row[2]).split(",")), Sql.instant(row[3]),
                row[4] == null ? null : Sql.instant(row[4]),
                expires != null && expires.isAfter(clock.instant()) ? expires : null, null);
    }

    /**
     * Deletes a subscription: nothing more is delivered to it (its open deliveries are CANCELLED)
     * and its secret is shredded with its data key. False if the tenant has no such subscription.
     * A delivery being recorded meanwhile is skipped, not waited for (which could deadlock with a
     * batch's records): its next cue finds the subscription deleted and cancels it.
     */
    public boolean delete(String tenant, String webhookId) {
        Optional<UUID> id = Ids.uuid(webhookId);
        if (id.isEmpty()) {
            return false;
        }
        OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
        return Reactive.inTransaction(() -> Sql.execute("""
                update webhooks.subscriptions set deleted_at = ?3, secret_sealed = null, previous_secret_sealed = null,
                    previous_secret_expires_at = null
                where tenant = ?1 and id = ?2 and deleted_at is null""", tenant, id.get(), now)
                .chain(deleted -> deleted == 0 ? Uni.createFrom().item(false)
                        : Sql.execute("""
                                update webhooks.deliveries set status = 'CANCELLED', claimed_until = null
                                where id in (select id from webhooks.deliveries
                                             where subscription_id = ?1 and status in ('PENDING', 'SENDING')
                                             for update skip locked)""", id.get())
                                .chain(() -> dataKeys.shred(subject(tenant, id.get()))).replaceWith(true)));
    }

    /**
     * A new secret for the subscription; the one it replaces still signs (a second signature) for
     * {@code overlap}, so receivers can be given the new one meanwhile. A rotation during an overlap
     * ends the older overlap: two secrets sign at most.
     */
    public Webhook rotate(String tenant, String webhookId, Duration overlap) {
        UUID id = Ids.uuid(webhookId).orElseThrow(() -> ApiException.notFound("webhook", webhookId));
        if (find(tenant, webhookId).isEmpty()) {
            throw ApiException.notFound("webhook", webhookId);
        }
        PersonalData.Key key = dataKeys.keyOf(subject(tenant, id));
        String secret = WebhookSignatures.newSecret();
        byte[] sealed = key.seal("secret", secret);
        Instant now = clock.instant();
        int rotated = Reactive.inTransaction(() -> Sql.execute(
                """
                        update webhooks.subscriptions set previous_secret_sealed = case when ?4 then secret_sealed end,
                            previous_secret_expires_at = case when ?4 then cast(?5 as timestamptz) end, secret_sealed = decode(?3, 'hex'),
                            secret_rotated_at = ?6
                        where tenant = ?1 and id = ?2 and deleted_at is null""",
                tenant, id, HexFormat.of().formatHex(sealed),
                !overlap.isZero(), OffsetDateTime.ofInstant(now.plus(overlap), ZoneOffset.UTC),
                OffsetDateTime.ofInstant(now, ZoneOffset.UTC)));
        if (rotated == 0) {
            throw ApiException.notFound("webhook", webhookId);
        }
        Webhook after = find(tenant, webhookId).orElseThrow(() -> ApiException.notFound("webhook", webhookId));
        return new Webhook(after.webhookId(), after.url(), after.events(), after.createdAt(), after.secretRotatedAt(),
                after.previousSecretExpiresAt(), secret);
    }

    /** The subscription's deliveries, newest first, each with its attempts; empty if the tenant has no such subscription. */
    public Optional<Deliveries> deliveries(String tenant, String webhookId, Paging page) {
        if (find(tenant, webhookId).isEmpty()) {
            return Optional.empty();
        }
        UUID subscription = UUID.fromString(webhookId);
        OffsetDateTime before = page.after().map(a -> OffsetDateTime.ofInstant(a.start(), ZoneOffset.UTC))
                .orElse(OffsetDateTime.of(9999, 12, 31, 0, 0, 0, 0, ZoneOffset.UTC));
        UUID beforeId = page.after().map(Paging.After::id).orElse(new UUID(-1L, -1L));
        List<Object[]> rows = Reactive.inTransaction(() -> Sql.rows("""
                select id, event_id, event_type, order_id, status, created_at, next_attempt_at, delivered_at, failed_at
                from webhooks.deliveries where subscription_id = ?1 and tenant = ?2
                  and (created_at < ?3 or (created_at = ?3 and id < ?4))
                order by created_at desc, id desc limit ?5""", subscription, tenant, before, beforeId, page.limit() + 1));
        List<Object[]> shown = rows.subList(0, Math.min(rows.size(), page.limit()));
        Map<UUID, List<Attempt>> attempts = attempts(shown.stream().map(r -> (UUID) r[0]).toList());
        List<Delivery> items = shown.stream().map(r -> delivery(r, subscription, attempts)).toList();
        String next = rows.size() > page.limit()
                ? Paging.token(Sql.instant(shown.get(shown.size() - 1)[5]), (UUID) shown.get(shown.size() - 1)[0])
                : null;
        return Optional.of(new Deliveries(items, next));
    }

    private Map<UUID, List<Attempt>> attempts(List<UUID> deliveryIds) {
        Map<UUID, List<Attempt>> attempts = new java.util.HashMap<>();
        if (deliveryIds.isEmpty()) {
            return attempts;
        }
        Reactive.inTransaction(() -> Sql.rows("""
                select delivery_id, attempt, started_at, latency_ms, response_status, outcome, error
                from webhooks.attempts where delivery_id in (?1) order by delivery_id, attempt""", deliveryIds))
                .forEach(a -> attempts.computeIfAbsent((UUID) a[0], k -> new ArrayList<>())
                        .add(new Attempt(((Number) a[1]).intValue(), Sql.instant(a[2]),
                                a[3] == null ? null : ((Number) a[3]).intValue(),
                                a[4] == null ? null : ((Number) a[4]).intValue(), (String) a[5], (String) a[6])));
        return attempts;
    }

    private static Delivery delivery(Object[] r, UUID subscription, Map<UUID, List<Attempt>> attempts) {
        String status = (String) r[4];
        boolean open = status.equals("PENDING") || status.equals("SENDING");
        return new Delivery((UUID) r[0], subscription, (UUID) r[1], (String) r[2], (UUID) r[3],
                status.equals("SENDING") ? "PENDING" : status, Sql.instant(r[5]), open ? Sql.instant(r[6]) : null,
                r[7] == null ? null : Sql.instant(r[7]), r[8] == null ? null : Sql.instant(r[8]),
                attempts.getOrDefault((UUID) r[0], List.of()));
    }

    /**
     * Sends a delivery again: it is due now, its retries start over, and its receiver gets the same
     * event id with a new timestamp and signature. 404 if the tenant's subscription has no such
     * delivery; 409 while it is being sent.
     */
    public Delivery replay(String tenant, String webhookId, String deliveryId) {
        UUID subscription = Ids.uuid(webhookId).orElseThrow(() -> ApiException.notFound("webhook", webhookId));
        UUID delivery = Ids.uuid(deliveryId).orElseThrow(() -> ApiException.notFound("delivery", deliveryId));
        if (find(tenant, webhookId).isEmpty()) {
            throw ApiException.notFound("webhook", webhookId);
        }
        OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
        Reactive.inTransaction(() -> Sql.rows(
                "select status, claimed_until from webhooks.deliveries where id = ?1 and subscription_id = ?2 and tenant = ?3"
                        + " for update",
                delivery, subscription, tenant).chain(rows -> {
                    if (rows.isEmpty()) {
                        throw ApiException.notFound("delivery", deliveryId);
                    }
                    if ("SENDING".equals(rows.get(0)[0]) && Sql.instant(rows.get(0)[1]).isAfter(now.toInstant())) {
                        throw ApiException.conflict("delivery " + deliveryId + " is being sent now; replay it after");
                    }
                    return Sql.execute("""
                            update webhooks.deliveries set status = 'PENDING', next_attempt_at = ?2, first_attempt_at = null,
                                claimed_until = null, failed_at = null, retry_base = attempts
                            where id = ?1""", delivery, now).replaceWith(rows);
                }));
        deliveries.wake(List.of(delivery));
        return one(tenant, subscription, delivery);
    }

    private Delivery one(String tenant, UUID subscription, UUID delivery) {
        List<Object[]> rows = Reactive.inTransaction(() -> Sql.rows("""
                select id, event_id, event_type, order_id, status, created_at, next_attempt_at, delivered_at, failed_at
                from webhooks.deliveries where id = ?1 and tenant = ?2""", delivery, tenant));
        return delivery(rows.get(0), subscription, attempts(List.of(delivery)));
    }
}
