package io.sagaline.inventory;

import java.util.List;

import jakarta.inject.Inject;

import io.quarkus.funqy.Funq;
import io.sagaline.inventory.StockService.Item;
import io.sagaline.inventory.StockService.StockReleased;
import io.sagaline.inventory.StockService.StockReserved;

/** Saga steps: ReserveStock (prices the lines) and its compensation ReleaseStock. */
public class StockFunctions {

    public record ReserveStockTask(String tenant, String orderId, String executionId, List<Item> items) {
    }

    public record ReleaseStockTask(String tenant, String orderId, String executionId) {
    }

    @Inject
    StockService stock;

    @Funq("reserve-stock")
    public StockReserved reserveStock(ReserveStockTask task) {
        return stock.reserve(task.tenant(), task.orderId(), task.executionId(), task.items());
    }

    @Funq("release-stock")
    public StockReleased releaseStock(ReleaseStockTask task) {
        return stock.release(task.tenant(), task.orderId(), task.executionId());
    }
}
