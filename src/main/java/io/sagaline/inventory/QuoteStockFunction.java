package io.sagaline.inventory;

import java.util.List;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

import io.sagaline.inventory.StockService.Item;
import io.sagaline.inventory.StockService.StockQuoted;

/** QuoteOrder step QuoteStock: prices the lines and says whether the stock has each now; reserves nothing. */
@Named("quote-stock")
public class QuoteStockFunction implements RequestHandler<QuoteStockFunction.Task, StockQuoted> {

    public record Task(String tenant, List<Item> items) {
    }

    @Inject
    StockService stock;

    @Override
    public StockQuoted handleRequest(Task task, Context context) {
        return stock.quote(task.tenant(), task.items());
    }
}
