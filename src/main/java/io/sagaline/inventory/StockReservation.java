package io.sagaline.inventory;

import java.time.OffsetDateTime;
import java.util.UUID;

import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import io.sagaline.platform.TenantOrderKey;

/** The idempotency record of ReserveStock/ReleaseStock for one order; its lines hold the prices. */
@Entity
@IdClass(TenantOrderKey.class)
@Table(schema = "inventory", name = "stock_reservations")
public class StockReservation extends PanacheEntityBase {

    public enum Status {
        RESERVED,
        RELEASED
    }

    @Id
    public String tenant;
    @Id
    public UUID orderId;
    @Enumerated(EnumType.STRING)
    public Status status;
    public boolean tombstone;
    public Long totalCents;
    public String executionId;
    public OffsetDateTime updatedAt;
}
