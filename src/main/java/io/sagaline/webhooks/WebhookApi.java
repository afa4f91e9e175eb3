package io.sagaline.webhooks;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The webhooks part of the HTTP contract. */
public final class WebhookApi {

    /** The events a subscription may name: the verdicts of orders, as the orders service announces them. */
    public static final List<String> EVENTS = List.of("OrderApproved", "OrderRejected", "OrderCancelled");

    private WebhookApi() {
    }

    public record CreateWebhook(@NotNull @Size(max = WebhookUrls.MAX_LENGTH) String url,
            @NotEmpty @Size(max = 10) List<@NotNull String> events) {
    }

    public record RotateSecret(@PositiveOrZero @Max(604_800) Long overlapSeconds) {
    }

    /** A subscription as every answer shows it; {@code secret} only in the answers that made it (POST, rotation). */
    public record Webhook(UUID webhookId, String url, List<String> events, Instant createdAt, Instant secretRotatedAt,
            Instant previousSecretExpiresAt, @JsonInclude(JsonInclude.Include.NON_NULL) String secret) {
    }

    public record Webhooks(List<Webhook> items) {
    }

    public record Attempt(int attempt, Instant startedAt, Integer latencyMs, Integer responseStatus, String outcome,
            @JsonInclude(JsonInclude.Include.NON_NULL) String error) {
    }

    public record Delivery(UUID deliveryId, UUID webhookId, UUID eventId, String eventType, UUID orderId, String status,
            Instant createdAt, Instant nextAttemptAt, Instant deliveredAt, Instant failedAt, List<Attempt> attempts) {
    }

    public record Deliveries(List<Delivery> items, String nextToken) {
    }
}
