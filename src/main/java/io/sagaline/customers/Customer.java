package io.sagaline.customers;

import java.time.OffsetDateTime;
import java.util.UUID;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

@Entity
@Table(schema = "customers", name = "customers")
public class Customer extends PanacheEntityBase {

    @Id
    public UUID id;
    public String tenant;
    /** In clear only in rows written before V15, until reseal-customers-data seals them. */
    public String name;
    public String email;
    public byte[] nameSealed;
    public byte[] emailSealed;
    public byte[] emailIndex;
    public long creditLimitCents;
    public long availableCreditCents;
    public OffsetDateTime createdAt;
    /** When the customer was erased: no personal data remains, and the API knows it no more. */
    public OffsetDateTime erasedAt;
}
