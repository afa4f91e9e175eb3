package io.sagaline.orders;

import io.sagaline.platform.saga.BusinessError;

/**
 * A PlaceOrder execution names no order of its tenant, or not as the orders service stored it
 * (another execution, customer or lines): it was not started by {@code POST /orders}. Its first
 * step refuses it before any other step touches anything.
 */
public class UnknownOrder extends BusinessError {

    UnknownOrder(String message) {
        super(message);
    }
}
