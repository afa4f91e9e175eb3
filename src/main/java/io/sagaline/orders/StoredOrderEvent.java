package io.sagaline.orders;

import java.io.Serializable;
import java.time.OffsetDateTime;
import java.util.Objects;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import org.hibernate.annotations.Immutable;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/**
 * A row of {@code orders.order_events}, for reading streams with HQL: Hibernate caches an HQL
 * query's plan, while every native select misses its plan cache and fills it (bench/README.md).
 * Read-only: events are appended by {@link OrderEventStore#append}, whose conflict on
 * {@code (order_id, version)} is the stream's concurrency check.
 */
@Entity
@Immutable
@IdClass(StoredOrderEvent.Key.class)
@Table(schema = "orders", name = "order_events")
public class StoredOrderEvent extends PanacheEntityBase {

    public static class Key implements Serializable {
        public UUID orderId;
        public int version;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(orderId, k.orderId) && version == k.version;
        }

        @Override
        public int hashCode() {
            return Objects.hash(orderId, version);
        }
    }

    @Id
    public UUID orderId;
    @Id
    public int version;
    public String tenant;
    @Column(name = "id")
    public UUID eventId;
    public String type;
    public OffsetDateTime occurredAt;
    public String causationId;
    /** The event's data as the JSON text the server gives back for the {@code jsonb} column. */
    @JdbcTypeCode(SqlTypes.JSON)
    public String data;
}
