package io.sagaline.inventory;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

import io.sagaline.inventory.StockService.StockReleased;
import io.sagaline.platform.saga.SagaStepLogged;
import io.sagaline.platform.saga.SagaTask;

/** Compensation ReleaseStock: gives back what ReserveStock took, or leaves a tombstone. */
@SagaStepLogged(compensates = "reserve-stock")
@Named("release-stock")
public class ReleaseStockFunction implements RequestHandler<ReleaseStockFunction.Task, StockReleased> {

    public record Task(String tenant, String orderId, String executionId) implements SagaTask {
    }

    @Inject
    StockService stock;

    @Override
    public StockReleased handleRequest(Task task, Context context) {
        return stock.release(task.tenant(), task.orderId(), task.executionId());
    }
}
