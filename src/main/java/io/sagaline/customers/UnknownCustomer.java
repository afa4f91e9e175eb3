package io.sagaline.customers;

import io.sagaline.platform.saga.BusinessError;

public class UnknownCustomer extends BusinessError {

    public UnknownCustomer(String customerId) {
        super("customer " + customerId + " does not exist");
    }
}
