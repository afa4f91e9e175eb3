package io.sagaline.platform.saga;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagaline.platform.messaging.Envelope;
import io.sagaline.platform.messaging.Outbox;

/** A saga to start once the change that asks for it commits: the execution {@code name} of {@code stateMachine}. */
public record SagaStart(String stateMachine, String name, String input) {

    /** As an outbox message, sent by starting the execution. */
    public Envelope message(String tenant, String correlationId, String causationId, Instant at, ObjectMapper json) {
        var payload = json.createObjectNode().put("stateMachine", stateMachine).put("name", name).put("input", input);
        return new Envelope(UUID.randomUUID(), Outbox.START_EXECUTION, 1, tenant, correlationId, causationId, at, payload);
    }
}
