package io.sagaline.orders;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One event of an order's stream, as stored: its id (also the id of the message announcing it,
 * if it is announced), its version (1 for the first event of the order), its type, when it
 * happened, what caused it (the saga execution or request) and its data.
 */
public record OrderEvent(UUID id, int version, String type, Instant occurredAt, String causationId, JsonNode data) {

    public static final String PLACED = "OrderPlaced";
    public static final String APPROVED = "OrderApproved";
    public static final String REJECTED = "OrderRejected";
    public static final String CANCELLATION_REQUESTED = "CancellationRequested";
    public static final String CANCELLATION_WITHDRAWN = "CancellationWithdrawn";
    public static final String CANCELLED = "OrderCancelled";

    /** An event a command decided on, before it is appended. */
    public record New(String type, JsonNode data) {
    }
}
