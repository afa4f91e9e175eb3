package io.sagaline.orders;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

import io.sagaline.orders.OrderLifecycle.Verdict;
import io.sagaline.platform.saga.SagaStepLogged;
import io.sagaline.platform.saga.SagaTask;

/** Saga step CompleteCancellation (CancelOrder): payment, credit and stock are back; the order becomes CANCELLED. */
@SagaStepLogged
@Named("complete-cancellation")
public class CompleteCancellationFunction implements RequestHandler<CompleteCancellationFunction.Task, Verdict> {

    public record Task(String tenant, String orderId, String executionId) implements SagaTask {
    }

    @Inject
    OrderLifecycle lifecycle;

    @Override
    public Verdict handleRequest(Task task, Context context) {
        return lifecycle.completeCancellation(task.tenant(), task.orderId(), task.executionId());
    }
}
