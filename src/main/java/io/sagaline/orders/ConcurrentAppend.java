package io.sagaline.orders;

/**
 * An append to an order's stream named a version that is no longer the last: someone appended
 * first. The command that tried is run again on the stream as it now is.
 */
public class ConcurrentAppend extends RuntimeException {

    ConcurrentAppend(String orderId, int expectedVersion) {
        super("order " + orderId + " is past version " + expectedVersion, null, false, false);
    }
}
