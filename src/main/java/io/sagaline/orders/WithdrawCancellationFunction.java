package io.sagaline.orders;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.databind.JsonNode;

import io.sagaline.orders.OrderLifecycle.Verdict;
import io.sagaline.platform.saga.SagaStepLogged;
import io.sagaline.platform.saga.SagaTask;

/**
 * Saga step WithdrawCancellation, the CancelOrder saga's compensation: the refund failed before
 * anything was given back, so the order stays APPROVED with the reason recorded in its stream.
 */
@SagaStepLogged
@Named("withdraw-cancellation")
public class WithdrawCancellationFunction implements RequestHandler<WithdrawCancellationFunction.Task, Verdict> {

    /** {@code failure}: the error the refund ended with, as the state machine's Catch recorded it. */
    public record Task(String tenant, String orderId, String executionId, JsonNode failure) implements SagaTask {
    }

    @Inject
    OrderLifecycle lifecycle;

    @Override
    public Verdict handleRequest(Task task, Context context) {
        String reason = task.failure() == null ? "unknown" : task.failure().path("Error").asText("unknown");
        return lifecycle.withdrawCancellation(task.tenant(), task.orderId(), task.executionId(), reason);
    }
}
