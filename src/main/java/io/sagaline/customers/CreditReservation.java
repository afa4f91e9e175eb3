package io.sagaline.customers;

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

/** The idempotency record of ReserveCredit/ReleaseCredit for one order. */
@Entity
@IdClass(TenantOrderKey.class)
@Table(schema = "customers", name = "credit_reservations")
public class CreditReservation extends PanacheEntityBase {

    public enum Status {
        RESERVED,
        RELEASED
    }

    @Id
    public String tenant;
    @Id
    public UUID orderId;
    public UUID customerId;
    public Long amountCents;
    @Enumerated(EnumType.STRING)
    public Status status;
    public boolean tombstone;
    public String executionId;
    public OffsetDateTime updatedAt;
}
