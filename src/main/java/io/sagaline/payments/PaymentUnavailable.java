package io.sagaline.payments;

import io.sagaline.platform.saga.BusinessError;

public class PaymentUnavailable extends BusinessError {

    public PaymentUnavailable(String message) {
        super("payment gateway unavailable: " + message);
    }
}
