package io.sagaline.orders;

import jakarta.inject.Named;

import io.sagaline.platform.messaging.OutboxSweeper;

/** Scheduled: the orders outbox's sweeper (order events and saga starts left unsent by a crash). */
@Named("sweep-orders-outbox")
public class SweepOrdersOutboxFunction extends OutboxSweeper {

    @Override
    protected String schema() {
        return OrderCommands.SCHEMA;
    }
}
