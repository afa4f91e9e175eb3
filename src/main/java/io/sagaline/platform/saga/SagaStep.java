package io.sagaline.platform.saga;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

/**
 * The part of every saga task input that identifies the work: the tenant, the order the saga
 * is for (the idempotency key shared by a step and its compensation) and the execution.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SagaStep(@NotBlank String tenant, @NotNull String orderId, String executionId) {
}
