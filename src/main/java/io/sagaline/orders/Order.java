package io.sagaline.orders;

import java.time.OffsetDateTime;
import java.util.UUID;

import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

@Entity
@Table(schema = "orders", name = "orders")
public class Order extends PanacheEntityBase {

    @Id
    public UUID id;
    public String tenant;
    public UUID customerId;
    @Enumerated(EnumType.STRING)
    public OrderStatus status;
    @Enumerated(EnumType.STRING)
    public RejectionReason rejectionReason;
    public Long totalCents;
    public String executionId;
    public OffsetDateTime createdAt;
    public OffsetDateTime updatedAt;
}
