package io.sagaline.orders;

import java.util.List;
import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.sagaline.inventory.ProductApi;

/** The orders part of the HTTP contract. */
public final class OrderApi {

    static final String UUID_PATTERN = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

    private OrderApi() {
    }

    public record PlaceOrder(
            @NotNull @Pattern(regexp = UUID_PATTERN, message = "must be a customer id (a UUID)") String customerId,
            @NotEmpty @Size(max = 100) List<@NotNull @Valid Item> items,
            @NotBlank @Size(max = 128) String paymentToken) {
    }

    public record Item(
            @NotNull @Pattern(regexp = ProductApi.SKU_PATTERN, message = "must be a sku") String sku,
            @NotNull @Positive @Max(100_000) Long quantity) {
    }

    /** {@code POST /orders/quote}: an order's lines and customer, without a payment token. */
    public record QuoteOrder(
            @NotNull @Pattern(regexp = UUID_PATTERN, message = "must be a customer id (a UUID)") String customerId,
            @NotEmpty @Size(max = 100) List<@NotNull @Valid Item> items) {
    }

    /** What PlaceOrder would decide now, payment aside. */
    public enum QuoteVerdict {
        WOULD_APPROVE,
        WOULD_REJECT
    }

    /** A quote: every line priced (null for an unknown sku) with whether it is in stock, the total and the verdict. */
    public record Quote(UUID customerId, List<QuotedLine> items, Long totalCents, QuoteVerdict verdict,
            @JsonInclude(JsonInclude.Include.NON_NULL) RejectionReason rejectionReason) {
    }

    public record QuotedLine(String sku, long quantity, Long unitPriceCents, boolean inStock) {
    }

    public record OrderAccepted(UUID orderId, OrderStatus status) {
    }

    public record OrderView(UUID orderId, UUID customerId, List<LineView> items, Long totalCents, OrderStatus status,
            @JsonInclude(JsonInclude.Include.NON_NULL) RejectionReason rejectionReason, String executionId) {
    }

    public record LineView(String sku, long quantity, Long unitPriceCents) {
    }
}
