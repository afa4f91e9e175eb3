package io.sagaline.customers;

import jakarta.inject.Named;

import io.sagaline.platform.messaging.OutboxSweeper;

/** Scheduled: the customers outbox's sweeper (CustomerRegistered left unsent by a crash). */
@Named("sweep-customers-outbox")
public class SweepCustomersOutboxFunction extends OutboxSweeper {

    @Override
    protected String schema() {
        return CustomerService.SCHEMA;
    }
}
