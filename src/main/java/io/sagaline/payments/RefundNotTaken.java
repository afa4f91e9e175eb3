package io.sagaline.payments;

import io.sagaline.platform.saga.BusinessError;

/**
 * The gateway did not refund the payment and says the authorisation is still live: a definite
 * "not refunded", on which the CancelOrder saga withdraws the cancellation. (A refund whose outcome
 * is unknown is {@link PaymentUnavailable}, retried, never withdrawn.)
 */
public class RefundNotTaken extends BusinessError {

    public RefundNotTaken(String message) {
        super(message);
    }
}
