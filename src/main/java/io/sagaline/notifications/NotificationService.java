package io.sagaline.notifications;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import com.fasterxml.jackson.databind.JsonNode;

import io.sagaline.platform.Reactive;
import io.sagaline.platform.Sql;
import io.sagaline.platform.crypto.DataKeyStore;
import io.sagaline.platform.crypto.PersonalData;
import io.sagaline.platform.messaging.Envelope;
import io.smallrye.mutiny.Uni;

/**
 * Tells a customer what became of an order: one notification per OrderApproved, OrderRejected and
 * OrderCancelled, recorded PENDING in the transaction that consumes the event, then delivered by
 * {@link #deliverPending()}: claimed by one deliverer at a time, sent, marked SENT (or RECORDED).
 * A notification waits while its recipient is unknown (CustomerRegistered not seen yet); a claim
 * older than five minutes is a deliverer that died and is taken over, so a notification may be
 * sent twice, never lost.
 */
@ApplicationScoped
public class NotificationService {

    private static final Logger LOG = Logger.getLogger(NotificationService.class);
    private static final Duration CLAIM_EXPIRY = Duration.ofMinutes(5);

    static final String SCHEMA = "notifications";
    /** What the customers service seals a registration under (its CustomerService.REGISTRATIONS). */
    static final String REGISTRATIONS = "customer-registrations";

    private final NotificationSender sender;
    private final PersonalData personalData;
    private final DataKeyStore dataKeys;

    NotificationService(NotificationSender sender, PersonalData personalData, DataKeyStore dataKeys) {
        this.sender = sender;
        this.personalData = personalData;
        this.dataKeys = dataKeys;
    }

    static PersonalData.Subject subject(String tenant, UUID customer) {
        return new PersonalData.Subject(SCHEMA, tenant, customer.toString());
    }

    /** Records the notification {@code event} calls for, in the caller's transaction. */
    public Uni<Void> record(Envelope event) {
        JsonNode p = event.payload();
        String order = p.path("orderId").asText();
        String kind;
        String subject;
        String body;
        switch (event.type()) {
            case "OrderApproved" -> {
                kind = "ORDER_APPROVED";
                subject = "Your order is confirmed";
                body = "Order " + order + " is confirmed: " + money(p.path("totalCents")) + ".";
            }
            case "OrderRejected" -> {
                kind = "ORDER_REJECTED";
                subject = "We could not take your order";
                body = "Order " + order + " was not placed: " + p.path("reason").asText("unknown reason") + ".";
            }
            case "OrderCancelled" -> {
                kind = "ORDER_CANCELLED";
                subject = "Your order is cancelled";
                body = "Order " + order + " is cancelled; " + money(p.path("totalCents")) + " is refunded.";
            }
            default -> throw new IllegalArgumentException("no notification for " + event.type());
        }
        UUID customer = UUID.fromString(p.path("customerId").asText());
        return Sql.execute("""
                insert into notifications.notifications (id, tenant, order_id, customer_id, kind, subject, body, message_id,
                                                         created_at, recipient, recipient_sealed, status)
                values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,
                        (select email from notifications.recipients where tenant = ?2 and customer_id = ?4),
                        (select email_sealed from notifications.recipients where tenant = ?2 and customer_id = ?4),
                        case when exists (select 1 from notifications.recipients
                                          where tenant = ?2 and customer_id = ?4 and erased_at is not null)
                             then 'ERASED' else 'PENDING' end)""",
                UUID.randomUUID(), event.tenant(), UUID.fromString(order), customer, kind, subject, body, event.id(),
                OffsetDateTime.now(ZoneOffset.UTC)).replaceWithVoid();
    }

    /**
     * Whom to write to (CustomerRegistered), sealed again under this service's own data key of the
     * customer: what {@link #recordRecipient} stores. Blocks (it may ask KMS): call it before the
     * transaction. Version 2 carries the name and address sealed under a data key of that
     * registration alone (context {@value #REGISTRATIONS}), opened here; version 1 carried them in
     * clear. Null when there is nothing to record: the customer was erased.
     */
    public Recipient recipient(Envelope registered) {
        JsonNode p = registered.payload();
        UUID customer = UUID.fromString(p.path("customerId").asText());
        String name;
        String email;
        JsonNode sealed = p.path("personalData");
        if (sealed.isObject()) {
            if (!REGISTRATIONS.equals(sealed.path("service").asText())) {
                throw new IllegalArgumentException("CustomerRegistered " + registered.id() + " is sealed under "
                        + sealed.path("service").asText() + "'s keys, not a registration's");
            }
            Base64.Decoder b64 = Base64.getDecoder();
            PersonalData.Key theirs = personalData.key(
                    new PersonalData.Subject(sealed.path("service").asText(), registered.tenant(), customer.toString()),
                    b64.decode(sealed.path("dataKey").asText()), sealed.path("masterKeyId").asText());
            name = theirs.open("name", b64.decode(sealed.path("name").asText()));
            email = theirs.open("email", b64.decode(sealed.path("email").asText()));
        } else if (p.path("erased").asBoolean(false)) {
            return null; // stripped by the customer's erasure: nothing to record
        } else {
            name = p.path("name").asText();
            email = p.path("email").asText();
        }
        if (email == null || email.isBlank()) {
            throw new IllegalArgumentException("CustomerRegistered " + registered.id() + " has no e-mail address");
        }
        if (erased(registered.tenant(), customer)) {
            return null; // delivered after the erasure: no key is made for an erased customer
        }
        PersonalData.Key ours = dataKeys.keyOf(subject(registered.tenant(), customer));
        return new Recipient(registered.tenant(), customer, ours.seal("name", name), ours.seal("email", email));
    }

    private static boolean erased(String tenant, UUID customer) {
        return !Reactive.inTransaction(() -> Sql.rows("""
                select 1 from notifications.recipients where tenant = ?1 and customer_id = ?2 and erased_at is not null""",
                tenant, customer)).isEmpty();
    }

    /** A recipient, sealed. */
    public record Recipient(String tenant, UUID customer, byte[] nameSealed, byte[] emailSealed) {
    }

    /** Records whom to write to, and gives it to the notifications waiting for it. */
    public Uni<Void> recordRecipient(Recipient r) {
        HexFormat hex = HexFormat.of();
        return Sql.execute("""
                insert into notifications.recipients (tenant, customer_id, name_sealed, email_sealed, updated_at)
                values (?1, ?2, decode(?3, 'hex'), decode(?4, 'hex'), ?5)
                on conflict (tenant, customer_id) do update set name = null, email = null, name_sealed = excluded.name_sealed,
                    email_sealed = excluded.email_sealed, updated_at = excluded.updated_at
                where notifications.recipients.erased_at is null""",
                r.tenant(), r.customer(), hex.formatHex(r.nameSealed()), hex.formatHex(r.emailSealed()),
                OffsetDateTime.now(ZoneOffset.UTC))
                .chain(() -> Sql.execute("""
                        update notifications.notifications set recipient = null, recipient_sealed = decode(?1, 'hex')
                        where tenant = ?2 and customer_id = ?3 and status = 'PENDING'
                          and not exists (select 1 from notifications.recipients
                                          where tenant = ?2 and customer_id = ?3 and erased_at is not null)""",
                        hex.formatHex(r.emailSealed()), r.tenant(), r.customer()))
                .replaceWithVoid();
    }

    /**
     * Erases what this service holds of a customer (CustomerErased): its data key (what it sealed
     * opens no more), the sealed name and address of its recipient, which stays as a tombstone so
     * that a late registration records nothing, and the address of each of its notifications; what
     * was not yet sent is ERASED, never sent.
     */
    public Uni<Void> erase(Envelope erased) {
        UUID customer = UUID.fromString(erased.payload().path("customerId").asText());
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        return dataKeys.shred(subject(erased.tenant(), customer)).chain(() -> Sql.execute("""
                insert into notifications.recipients (tenant, customer_id, updated_at, erased_at) values (?1, ?2, ?3, ?3)
                on conflict (tenant, customer_id) do update set name = null, email = null, name_sealed = null,
                    email_sealed = null, updated_at = excluded.updated_at,
                    erased_at = coalesce(notifications.recipients.erased_at, excluded.erased_at)""",
                erased.tenant(), customer, now))
                .chain(() -> Sql.execute("""
                        update notifications.notifications set recipient = null, recipient_sealed = null,
                            status = case when status in ('PENDING', 'SENDING') then 'ERASED' else status end
                        where tenant = ?1 and customer_id = ?2""", erased.tenant(), customer))
                .replaceWithVoid();
    }

    /** Forgets, in this instance, the unwrapped key of an erased customer. */
    public void forget(Envelope erased) {
        personalData.forget(subject(erased.tenant(), UUID.fromString(erased.payload().path("customerId").asText())));
    }

    /** Delivers every notification that can be: claims a page, sends each, marks it; returns how many went out. */
    public int deliverPending() {
        int delivered = 0;
        List<Object[]> claimed;
        do {
            OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
            claimed = Reactive.inTransaction(() -> Sql.rows("""
                    update notifications.notifications set status = 'SENDING', claimed_at = ?1
                    where id in (select id from notifications.notifications
                                 where (recipient is not null or recipient_sealed is not null)
                                   and (status = 'PENDING' or (status = 'SENDING' and claimed_at < ?2))
                                 order by created_at limit 50 for update skip locked)
                    returning id, recipient, subject, body, tenant, customer_id, encode(recipient_sealed, 'hex')""", now,
                    now.minus(CLAIM_EXPIRY)));
            for (Object[] n : claimed) {
                MDC.put("notificationId", String.valueOf(n[0]));
                MDC.put("tenant", String.valueOf(n[4]));
                MDC.put("customerId", String.valueOf(n[5]));
                try {
                    String providerId = sender
                            .send(new NotificationSender.Outgoing(address(n), (String) n[2], (String) n[3]));
                    Reactive.inTransaction(() -> Sql.execute("""
                            update notifications.notifications set status = ?1, sent_at = ?2, provider_message_id = ?3
                            where id = ?4 and status = 'SENDING'""", sender.deliveredStatus(),
                            OffsetDateTime.now(ZoneOffset.UTC),
                            providerId, n[0]));
                    delivered++;
                } catch (Erased e) {
                    // Its customer's key is shredded: it can never be sent, and must not be tried again.
                    LOG.infof("notification %s not sent: %s", n[0], e.getMessage());
                    Reactive.inTransaction(() -> Sql.execute("update notifications.notifications set status = 'ERASED',"
                            + " recipient = null, recipient_sealed = null where id = ?1 and status = 'SENDING'", n[0]));
                } catch (RuntimeException e) {
                    // Back to PENDING: the next delivery (the next message, or a redelivery) tries again.
                    LOG.warnf("notification %s not sent now: %s", n[0], e.getMessage());
                    Reactive.inTransaction(() -> Sql.execute(
                            "update notifications.notifications set status = 'PENDING' where id = ?1 and status = 'SENDING'",
                            n[0]));
                } finally {
                    MDC.remove("notificationId");
                    MDC.remove("tenant");
                    MDC.remove("customerId");
                }
            }
        } while (claimed.size() == 50);
        return delivered;
    }

    /** A claimed notification's address: opened with this service's key of its customer (or, written before V15, in clear). */
    private String address(Object[] claimed) {
        if (claimed[6] == null) {
            return (String) claimed[1];
        }
        PersonalData.Subject whose = subject((String) claimed[4], UUID.fromString(String.valueOf(claimed[5])));
        PersonalData.Key key = dataKeys.existing(whose)
                .orElseThrow(() -> new Erased("customer " + whose.subject() + " was erased meanwhile"));
        return key.open("email", HexFormat.of().parseHex((String) claimed[6]));
    }

    /** A notification's customer was erased after it was claimed: its address can no longer be opened. */
    private static final class Erased extends RuntimeException {
        Erased(String message) {
            super(message, null, false, false);
        }
    }

    private static String money(JsonNode cents) {
        if (!cents.isNumber()) {
            return "the amount shown in your account";
        }
        long c = cents.asLong();
        return String.format("%d.%02d", c / 100, c % 100);
    }
}
