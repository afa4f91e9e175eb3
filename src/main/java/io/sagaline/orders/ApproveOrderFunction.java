package io.sagaline.orders;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

import io.sagaline.orders.OrderLifecycle.Pricing;
import io.sagaline.orders.OrderLifecycle.Verdict;
import io.sagaline.platform.saga.SagaStepLogged;
import io.sagaline.platform.saga.SagaTask;

/** Saga step ApproveOrder: the happy end; the order becomes APPROVED with its prices. */
@SagaStepLogged
@Named("approve-order")
public class ApproveOrderFunction implements RequestHandler<ApproveOrderFunction.Task, Verdict> {

    public record Task(String tenant, String orderId, String executionId, Pricing pricing) implements SagaTask {
    }

    @Inject
    OrderLifecycle lifecycle;

    @Override
    public Verdict handleRequest(Task task, Context context) {
        return lifecycle.approve(task.tenant(), task.orderId(), task.executionId(), task.pricing());
    }
}
