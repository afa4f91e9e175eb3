package io.sagaline.inventory;

import java.io.Serializable;
import java.util.Objects;
import java.util.UUID;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

@Entity
@IdClass(StockReservationLine.Key.class)
@Table(schema = "inventory", name = "stock_reservation_lines")
public class StockReservationLine extends PanacheEntityBase {

    public static class Key implements Serializable {
        public String tenant;
        public UUID orderId;
        public int lineNo;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(tenant, k.tenant) && Objects.equals(orderId, k.orderId)
                    && lineNo == k.lineNo;
        }

        @Override
        public int hashCode() {
            return Objects.hash(tenant, orderId, lineNo);
        }
    }

    @Id
    public String tenant;
    @Id
    public UUID orderId;
    @Id
    public int lineNo;
    public String sku;
    public long quantity;
    public long unitPriceCents;
}
