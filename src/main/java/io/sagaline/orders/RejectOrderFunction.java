package io.sagaline.orders;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

import io.sagaline.orders.OrderLifecycle.Pricing;
import io.sagaline.orders.OrderLifecycle.Verdict;
import io.sagaline.platform.saga.SagaStepLogged;
import io.sagaline.platform.saga.SagaTask;

/** Saga step RejectOrder: ends every compensation; the order becomes REJECTED with the reason its Rejected* state named. */
@SagaStepLogged
@Named("reject-order")
public class RejectOrderFunction implements RequestHandler<RejectOrderFunction.Task, Verdict> {

    /** What the saga's Rejected* Pass state recorded: the reason, the error behind it, the prices if known. */
    public record Rejection(RejectionReason reason, String error, String cause, Pricing pricing) {
    }

    public record Task(String tenant, String orderId, String executionId, Rejection rejection) implements SagaTask {
    }

    @Inject
    OrderLifecycle lifecycle;

    @Override
    public Verdict handleRequest(Task task, Context context) {
        Rejection rejection = task.rejection();
        if (rejection == null) {
            throw new IllegalArgumentException("RejectOrder needs the rejection its Rejected* state recorded");
        }
        return lifecycle.reject(task.tenant(), task.orderId(), task.executionId(), rejection.reason(), rejection.pricing());
    }
}
