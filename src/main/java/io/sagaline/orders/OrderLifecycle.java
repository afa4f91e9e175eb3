package io.sagaline.orders;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import io.sagaline.platform.Ids;
import io.sagaline.platform.Reactive;
import io.smallrye.mutiny.Uni;

/**
 * The saga's last word on an order: ApproveOrder or RejectOrder. Both are idempotent; neither
 * overturns the other, because a terminal order never changes its verdict.
 */
@ApplicationScoped
public class OrderLifecycle {

    public record PricedLine(String sku, long quantity, long unitPriceCents) {
    }

    public record Pricing(List<PricedLine> lines, Long totalCents) {
    }

    public record Verdict(String orderId, OrderStatus status, RejectionReason rejectionReason) {
    }

    public Verdict approve(String tenant, String orderId, Pricing pricing) {
        return decide(tenant, orderId, OrderStatus.APPROVED, null, pricing);
    }

    public Verdict reject(String tenant, String orderId, RejectionReason reason, Pricing pricing) {
        if (reason == null) {
            throw new IllegalArgumentException("a rejection needs a reason");
        }
        return decide(tenant, orderId, OrderStatus.REJECTED, reason, pricing);
    }

    private Verdict decide(String tenant, String orderId, OrderStatus verdict, RejectionReason reason, Pricing pricing) {
        UUID id = Ids.uuid(orderId).orElseThrow(() -> new IllegalArgumentException("orderId is not a UUID"));
        return Reactive.inTransaction(() -> Order.<Order> find("tenant = ?1 and id = ?2", tenant, id)
                .withLock(LockModeType.PESSIMISTIC_WRITE).firstResult()
                .chain(order -> {
                    if (order == null) {
                        throw new IllegalStateException("order " + orderId + " of tenant " + tenant + " does not exist");
                    }
                    if (order.status == verdict) {
                        return Uni.createFrom().item(new Verdict(orderId, order.status, order.rejectionReason));
                    }
                    if (order.status != OrderStatus.PENDING) {
                        throw new VerdictConflict(orderId, order.status, verdict);
                    }
                    order.status = verdict;
                    order.rejectionReason = reason;
                    order.updatedAt = OffsetDateTime.now();
                    return price(order, pricing).replaceWith(new Verdict(orderId, verdict, reason));
                }));
    }

    private static Uni<Void> price(Order order, Pricing pricing) {
        if (pricing == null || pricing.lines() == null) {
            return Uni.createFrom().voidItem();
        }
        order.totalCents = pricing.totalCents();
        return OrderLine.<OrderLine> list("orderId = ?1", order.id).invoke(lines -> {
            for (OrderLine line : lines) {
                pricing.lines().stream().filter(p -> p.sku().equals(line.sku)).findFirst()
                        .ifPresent(p -> line.unitPriceCents = p.unitPriceCents());
            }
        }).replaceWithVoid();
    }
}
