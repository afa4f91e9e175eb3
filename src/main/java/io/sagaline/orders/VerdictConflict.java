package io.sagaline.orders;

/**
 * The saga asked for a verdict an order can no longer take (APPROVED asked to become REJECTED or
 * the reverse): a bug in the saga, never retried into truth, and never overturning the verdict.
 */
public class VerdictConflict extends RuntimeException {

    VerdictConflict(String orderId, OrderStatus status, OrderStatus wanted) {
        super("order " + orderId + " is " + status + "; it cannot become " + wanted);
    }
}
