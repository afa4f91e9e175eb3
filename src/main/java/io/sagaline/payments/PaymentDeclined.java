package io.sagaline.payments;

import io.sagaline.platform.saga.BusinessError;

public class PaymentDeclined extends BusinessError {

    public PaymentDeclined(String message) {
        super("payment declined: " + message);
    }
}
