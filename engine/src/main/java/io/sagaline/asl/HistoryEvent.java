package io.sagaline.asl;

import java.time.Instant;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One transition of an execution, shaped as Step Functions' GetExecutionHistory reports it
 * ({@code type}, {@code id}, {@code previousEventId}, and a details object named after the type).
 * The history alone is enough to know where an execution stands, so it is what gets persisted.
 */
public record HistoryEvent(long id, long previousEventId, Instant timestamp, String type, String detailsKey,
        ObjectNode details) {
}
