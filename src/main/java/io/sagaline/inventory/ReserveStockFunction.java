package io.sagaline.inventory;

import java.util.List;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

import io.sagaline.inventory.StockService.Item;
import io.sagaline.inventory.StockService.StockReserved;
import io.sagaline.platform.saga.SagaStepLogged;
import io.sagaline.platform.saga.SagaTask;

/** Saga step ReserveStock: reserves every line or none and prices them; compensated by ReleaseStock. */
@SagaStepLogged
@Named("reserve-stock")
public class ReserveStockFunction implements RequestHandler<ReserveStockFunction.Task, StockReserved> {

    public record Task(String tenant, String orderId, String executionId, List<Item> items) implements SagaTask {
    }

    @Inject
    StockService stock;

    @Override
    public StockReserved handleRequest(Task task, Context context) {
        return stock.reserve(task.tenant(), task.orderId(), task.executionId(), task.items());
    }
}
