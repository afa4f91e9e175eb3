package io.sagaline.customers;

import io.sagaline.platform.saga.BusinessError;

public class CreditLimitExceeded extends BusinessError {

    public CreditLimitExceeded(String customerId, long requestedCents) {
        super("customer " + customerId + " has less than " + requestedCents + " cents of credit available");
    }
}
