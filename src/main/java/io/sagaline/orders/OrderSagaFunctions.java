package io.sagaline.orders;

import jakarta.inject.Inject;

import io.quarkus.funqy.Funq;
import io.sagaline.orders.OrderLifecycle.Pricing;
import io.sagaline.orders.OrderLifecycle.Verdict;

/** Saga steps: ApproveOrder ends the happy path, RejectOrder ends every compensation. */
public class OrderSagaFunctions {

    public record ApproveOrderTask(String tenant, String orderId, String executionId, Pricing pricing) {
    }

    public record Rejection(RejectionReason reason, String error, String cause, Pricing pricing) {
    }

    public record RejectOrderTask(String tenant, String orderId, String executionId, Rejection rejection) {
    }

    @Inject
    OrderLifecycle lifecycle;

    @Funq("approve-order")
    public Verdict approveOrder(ApproveOrderTask task) {
        return lifecycle.approve(task.tenant(), task.orderId(), task.pricing());
    }

    @Funq("reject-order")
    public Verdict rejectOrder(RejectOrderTask task) {
        Rejection rejection = task.rejection();
        return lifecycle.reject(task.tenant(), task.orderId(), rejection == null ? null : rejection.reason(),
                rejection == null ? null : rejection.pricing());
    }
}
