package io.sagaline.orders;

import java.util.List;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

import io.sagaline.orders.OrderApi.Item;
import io.sagaline.orders.OrderLifecycle.Verdict;
import io.sagaline.platform.saga.SagaStepLogged;
import io.sagaline.platform.saga.SagaTask;

/**
 * Saga step CheckOrder, the first of PlaceOrder: the execution is the one its order was placed
 * with, for that order's customer and lines; {@link UnknownOrder} otherwise, before anything is reserved.
 */
@SagaStepLogged
@Named("check-order")
public class CheckOrderFunction implements RequestHandler<CheckOrderFunction.Task, Verdict> {

    public record Task(String tenant, String orderId, String executionId, String customerId, List<Item> items)
            implements
                SagaTask {
    }

    @Inject
    OrderLifecycle lifecycle;

    @Override
    public Verdict handleRequest(Task task, Context context) {
        return lifecycle.check(task.tenant(), task.orderId(), task.executionId(), task.customerId(), task.items());
    }
}
