package io.sagaline.inventory;

import io.sagaline.platform.saga.BusinessError;

public class OutOfStock extends BusinessError {

    public OutOfStock(String sku, long quantity) {
        super("fewer than " + quantity + " of " + sku + " are available");
    }
}
