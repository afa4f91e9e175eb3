package io.sagaline.inventory;

import java.util.Collection;

import io.sagaline.platform.saga.BusinessError;

public class UnknownProduct extends BusinessError {

    public UnknownProduct(Collection<String> skus) {
        super("no product with sku " + String.join(", ", skus));
    }
}
