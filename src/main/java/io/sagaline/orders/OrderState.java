package io.sagaline.orders;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

import io.sagaline.orders.OrderApi.LineView;
import io.sagaline.orders.OrderApi.OrderView;

/**
 * An order as its events make it: the left fold of its stream. The read model
 * ({@code orders.orders}), {@code ?asOf=} and every command see the order through this fold.
 */
public record OrderState(String tenant, UUID orderId, UUID customerId, List<LineView> lines, Long totalCents,
        OrderStatus status, RejectionReason rejectionReason, String executionId, String cancellationExecutionId,
        int cancellationAttempts, int version, Instant createdAt, Instant updatedAt) {

    /** The order after {@code events} (empty if there are none: the order did not exist). */
    public static Optional<OrderState> of(String tenant, UUID orderId, List<OrderEvent> events) {
        OrderState state = null;
        for (OrderEvent event : events) {
            state = state == null ? placed(tenant, orderId, event) : state.apply(event);
        }
        return Optional.ofNullable(state);
    }

    private static OrderState placed(String tenant, UUID orderId, OrderEvent event) {
        if (!OrderEvent.PLACED.equals(event.type())) {
            throw new IllegalStateException("stream of " + orderId + " starts with " + event.type());
        }
        JsonNode d = event.data();
        List<LineView> lines = new ArrayList<>();
        for (JsonNode item : d.path("items")) {
            lines.add(new LineView(item.path("sku").asText(), item.path("quantity").asLong(), null));
        }
        return new OrderState(tenant, orderId, UUID.fromString(d.path("customerId").asText()), List.copyOf(lines), null,
                OrderStatus.PENDING, null, d.path("executionId").asText(), null, 0, event.version(), event.occurredAt(),
                event.occurredAt());
    }

    private OrderState apply(OrderEvent event) {
        JsonNode d = event.data();
        return switch (event.type()) {
            case OrderEvent.APPROVED -> with(priced(d), total(d), OrderStatus.APPROVED, null, cancellationExecutionId,
                    cancellationAttempts, event);
            case OrderEvent.REJECTED -> with(priced(d), total(d), OrderStatus.REJECTED,
                    RejectionReason.valueOf(d.path("reason").asText()), cancellationExecutionId, cancellationAttempts, event);
            case OrderEvent.CANCELLATION_REQUESTED -> with(lines, totalCents, status, rejectionReason,
                    d.path("executionId").asText(), cancellationAttempts + 1, event);
            case OrderEvent.CANCELLATION_WITHDRAWN -> with(lines, totalCents, status, rejectionReason, null,
                    cancellationAttempts, event);
            case OrderEvent.CANCELLED -> with(lines, totalCents, OrderStatus.CANCELLED, null, cancellationExecutionId,
                    cancellationAttempts, event);
            default -> throw new IllegalStateException("unknown event type " + event.type() + " in order " + orderId);
        };
    }

    private OrderState with(List<LineView> lines, Long totalCents, OrderStatus status, RejectionReason reason,
            String cancellation, int attempts, OrderEvent event) {
        return new OrderState(tenant, orderId, customerId, lines, totalCents, status, reason, executionId, cancellation,
                attempts, event.version(), createdAt, event.occurredAt());
    }

    /** The lines with the prices an event carries; lines it does not price keep theirs. */
    private List<LineView> priced(JsonNode data) {
        JsonNode priced = data.path("lines");
        if (!priced.isArray() || priced.isEmpty()) {
            return lines;
        }
        List<LineView> result = new ArrayList<>();
        for (LineView line : lines) {
            Long price = line.unitPriceCents();
            for (JsonNode p : priced) {
                if (p.path("sku").asText().equals(line.sku()) && p.hasNonNull("unitPriceCents")) {
                    price = p.path("unitPriceCents").asLong();
                }
            }
            result.add(new LineView(line.sku(), line.quantity(), price));
        }
        return List.copyOf(result);
    }

    private Long total(JsonNode data) {
        return data.hasNonNull("totalCents") ? Long.valueOf(data.path("totalCents").asLong()) : totalCents;
    }

    public OrderView view() {
        return new OrderView(orderId, customerId, lines, totalCents, status, rejectionReason, executionId);
    }
}
