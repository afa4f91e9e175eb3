package io.sagaline.inventory;

import java.time.OffsetDateTime;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagaline.inventory.ProductApi.CreateProduct;
import io.sagaline.inventory.ProductApi.ProductView;
import io.sagaline.platform.Reactive;
import io.sagaline.platform.Sql;
import io.sagaline.platform.http.ApiException;

@ApplicationScoped
public class ProductService {

    public ProductView create(String tenant, CreateProduct request) {
        int inserted = Reactive.inTransaction(() -> Sql.execute("""
                insert into inventory.products (tenant, sku, name, unit_price_cents, stock, reserved, created_at)
                values (?1, ?2, ?3, ?4, ?5, 0, ?6) on conflict do nothing""",
                tenant, request.sku(), request.name().strip(), request.unitPriceCents(), request.stock(),
                OffsetDateTime.now()));
        if (inserted == 0) {
            throw ApiException.conflict("a product with sku '" + request.sku() + "' already exists");
        }
        return new ProductView(request.sku(), request.name().strip(), request.unitPriceCents(), request.stock(), 0,
                request.stock());
    }

    public Optional<ProductView> find(String tenant, String sku) {
        Product product = Reactive.inTransaction(
                () -> Product.<Product> find("tenant = ?1 and sku = ?2", tenant, sku).firstResult());
        return Optional.ofNullable(product).map(ProductView::of);
    }

    public Optional<ProductView> restock(String tenant, String sku, long quantity) {
        int updated = Reactive.inTransaction(
                () -> Product.update("stock = stock + ?1 where tenant = ?2 and sku = ?3", quantity, tenant, sku));
        return updated == 0 ? Optional.empty() : find(tenant, sku);
    }
}
