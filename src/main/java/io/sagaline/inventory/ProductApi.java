package io.sagaline.inventory;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

/** The products part of the HTTP contract. */
public final class ProductApi {

    public static final String SKU_PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}";
    static final String SKU_MESSAGE = "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit";

    private ProductApi() {
    }

    public record CreateProduct(
            @NotNull @Pattern(regexp = SKU_PATTERN, message = SKU_MESSAGE) String sku,
            @NotBlank @Size(max = 200) String name,
            @NotNull @PositiveOrZero @Max(1_000_000_000L) Long unitPriceCents,
            @NotNull @PositiveOrZero @Max(1_000_000_000L) Long stock) {
    }

    public record Restock(@NotNull @Positive @Max(1_000_000_000L) Long quantity) {
    }

    public record ProductView(String sku, String name, long unitPriceCents, long stock, long reserved, long available) {

        static ProductView of(Product p) {
            return new ProductView(p.sku, p.name, p.unitPriceCents, p.stock, p.reserved, p.stock - p.reserved);
        }
    }
}
