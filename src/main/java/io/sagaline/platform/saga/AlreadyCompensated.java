package io.sagaline.platform.saga;

/**
 * A forward step arrived after its compensation already ran (or left a tombstone): the step is
 * refused so that a late or retried call can never re-apply an effect that was rolled back.
 */
public class AlreadyCompensated extends BusinessError {

    public AlreadyCompensated(String step, String orderId) {
        super(step + " refused for order " + orderId + ": it was already compensated");
    }
}
