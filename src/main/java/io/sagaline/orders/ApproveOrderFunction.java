package io.sagaline.orders;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

import io.sagaline.orders.OrderLifecycle.Pricing;
import io.sagaline.orders.OrderLifecycle.Verdict;

/** Saga step ApproveOrder: the happy end; the order becomes APPROVED with its prices. */
@Named("approve-order")
public class ApproveOrderFunction implements RequestHandler<ApproveOrderFunction.Task, Verdict> {

    public record Task(String tenant, String orderId, String executionId, Pricing pricing) {
    }

    @Inject
    OrderLifecycle lifecycle;

    @Override
    public Verdict handleRequest(Task task, Context context) {
        return lifecycle.approve(task.tenant(), task.orderId(), task.pricing());
    }
}
