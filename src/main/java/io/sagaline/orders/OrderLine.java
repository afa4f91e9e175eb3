package io.sagaline.orders;

import java.io.Serializable;
import java.util.Objects;
import java.util.UUID;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

@Entity
@IdClass(OrderLine.Key.class)
@Table(schema = "orders", name = "order_lines")
public class OrderLine extends PanacheEntityBase {

    public static class Key implements Serializable {
        public UUID orderId;
        public int lineNo;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(orderId, k.orderId) && lineNo == k.lineNo;
        }

        @Override
        public int hashCode() {
            return Objects.hash(orderId, lineNo);
        }
    }

    @Id
    public UUID orderId;
    @Id
    public int lineNo;
    public String tenant;
    public String sku;
    public long quantity;
    public Long unitPriceCents;
}
