package io.sagaline.inventory;

import java.io.Serializable;
import java.time.OffsetDateTime;
import java.util.Objects;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

@Entity
@IdClass(Product.Key.class)
@Table(schema = "inventory", name = "products")
public class Product extends PanacheEntityBase {

    public static class Key implements Serializable {
        public String tenant;
        public String sku;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(tenant, k.tenant) && Objects.equals(sku, k.sku);
        }

        @Override
        public int hashCode() {
            return Objects.hash(tenant, sku);
        }
    }

    @Id
    public String tenant;
    @Id
    public String sku;
    public String name;
    public long unitPriceCents;
    public long stock;
    public long reserved;
    public OffsetDateTime createdAt;
}
