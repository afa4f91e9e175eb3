package io.sagaline.notifications;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;

import io.sagaline.platform.Sql;
import io.sagaline.platform.messaging.Envelope;
import io.smallrye.mutiny.Uni;

/**
 * Tells a customer what became of an order: one notification per OrderApproved, OrderRejected
 * and OrderCancelled, recorded with the subject and text it carries.
 */
@ApplicationScoped
public class NotificationService {

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
        return Sql.execute("""
                insert into notifications.notifications (id, tenant, order_id, customer_id, kind, subject, body, message_id,
                                                         created_at)
                values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)""",
                UUID.randomUUID(), event.tenant(), UUID.fromString(order), UUID.fromString(p.path("customerId").asText()),
                kind, subject, body, event.id(), OffsetDateTime.now(ZoneOffset.UTC)).replaceWithVoid();
    }

    private static String money(JsonNode cents) {
        if (!cents.isNumber()) {
            return "the amount shown in your account";
        }
        long c = cents.asLong();
        return String.format("%d.%02d", c / 100, c % 100);
    }
}
