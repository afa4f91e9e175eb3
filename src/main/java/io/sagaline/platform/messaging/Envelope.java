package io.sagaline.platform.messaging;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What every message on a queue carries around its payload: its own id (the idempotency key of
 * every consumer), the event type and the version of its payload's schema, the tenant it belongs
 * to, the correlation id that ties together everything about one business thing (an order's id),
 * the causation id of what made it happen (the saga execution or the message that caused it),
 * and when the event happened.
 */
public record Envelope(UUID id, String type, int schemaVersion, String tenant, String correlationId,
        String causationId, Instant occurredAt, JsonNode payload) {

    public Envelope {
        if (id == null || type == null || tenant == null || occurredAt == null || payload == null) {
            throw new IllegalArgumentException("an envelope needs an id, a type, a tenant, a time and a payload");
        }
    }
}
