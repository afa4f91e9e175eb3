package io.sagaline.platform;

import java.io.Serializable;
import java.util.Objects;
import java.util.UUID;

/** The key of every per-order saga record: a step and its compensation share it. */
public class TenantOrderKey implements Serializable {

    public String tenant;
    public UUID orderId;

    public TenantOrderKey() {
    }

    public TenantOrderKey(String tenant, UUID orderId) {
        this.tenant = tenant;
        this.orderId = orderId;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TenantOrderKey k && Objects.equals(tenant, k.tenant) && Objects.equals(orderId, k.orderId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tenant, orderId);
    }
}
