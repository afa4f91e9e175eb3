package io.sagaline.inventory;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import io.sagaline.platform.Ids;
import io.sagaline.platform.Reactive;
import io.sagaline.platform.Sql;
import io.sagaline.platform.saga.AlreadyCompensated;
import io.smallrye.mutiny.Uni;

/**
 * ReserveStock (which also prices the lines) and its compensation ReleaseStock. Reserved stock
 * moves only through conditional updates ({@code stock - reserved >= quantity}), in sku order so
 * that concurrent sagas never deadlock; all lines of an order are reserved or none is.
 */
@ApplicationScoped
public class StockService {

    public record Item(String sku, long quantity) {
    }

    public record PricedLine(String sku, long quantity, long unitPriceCents) {
    }

    public record StockReserved(String orderId, List<PricedLine> lines, long totalCents) {
    }

    public record StockReleased(String orderId, boolean released, boolean tombstone) {
    }

    /** A line of a quote: its unit price (null for an unknown sku) and whether the stock has it now. */
    public record QuotedLine(String sku, long quantity, Long unitPriceCents, boolean inStock) {
    }

    /**
     * A quote of lines: {@code canBeHad} when every sku is known and in stock, otherwise the
     * {@code rejectionReason} ReserveStock would fail with; the total of the priced lines (null
     * when a sku is unknown: a total that leaves a line out is no total).
     */
    public record StockQuoted(List<QuotedLine> lines, Long totalCents, boolean canBeHad, String rejectionReason) {
    }

    public StockReserved reserve(String tenant, String orderId, String executionId, List<Item> items) {
        UUID order = Ids.uuid(orderId).orElseThrow(() -> new IllegalArgumentException("orderId is not a UUID"));
        List<Item> sorted = checked(items);
        return Reactive.inTransaction(() -> Sql.execute("""
                insert into inventory.stock_reservations (tenant, order_id, status, execution_id)
                values (?1, ?2, 'RESERVED', ?3) on conflict do nothing""", tenant, order, executionId)
                .chain(inserted -> lock(tenant, order).chain(reservation -> inserted == 1
                        ? take(reservation, sorted)
                        : replay(reservation))));
    }

    /**
     * QuoteStock: what ReserveStock would decide for these lines now, reserving nothing. An unknown
     * sku decides before a line out of stock, as it does in ReserveStock; the lines keep their order.
     */
    public StockQuoted quote(String tenant, List<Item> items) {
        checked(items);
        List<String> skus = items.stream().map(Item::sku).toList();
        List<Product> products = Reactive
                .inTransaction(() -> Product.<Product> list("tenant = ?1 and sku in ?2", tenant, skus));
        Map<String, Product> bySku = products.stream().collect(Collectors.toMap(p -> p.sku, Function.identity()));
        List<QuotedLine> lines = new ArrayList<>();
        long total = 0;
        boolean unknown = false;
        boolean outOfStock = false;
        for (Item item : items) {
            Product product = bySku.get(item.sku());
            if (product == null) {
                unknown = true;
                lines.add(new QuotedLine(item.sku(), item.quantity(), null, false));
                continue;
            }
            boolean inStock = product.stock - product.reserved >= item.quantity();
            outOfStock |= !inStock;
            total = Math.addExact(total, Math.multiplyExact(item.quantity(), product.unitPriceCents));
            lines.add(new QuotedLine(item.sku(), item.quantity(), product.unitPriceCents, inStock));
        }
        String reason = unknown ? "UNKNOWN_PRODUCT" : outOfStock ? "OUT_OF_STOCK" : null;
        return new StockQuoted(lines, unknown ? null : total, reason == null, reason);
    }

    public StockReleased release(String tenant, String orderId, String executionId) {
        UUID order = Ids.uuid(orderId).orElseThrow(() -> new IllegalArgumentException("orderId is not a UUID"));
        return Reactive.inTransaction(() -> Sql.execute("""
                insert into inventory.stock_reservations (tenant, order_id, status, tombstone, execution_id)
                values (?1, ?2, 'RELEASED', true, ?3) on conflict do nothing""", tenant, order, executionId)
                .chain(inserted -> inserted == 1
                        ? Uni.createFrom().item(new StockReleased(orderId, false, true))
                        : lock(tenant, order).chain(reservation -> giveBack(reservation, executionId))));
    }

    private static List<Item> checked(List<Item> items) {
        if (items == null || items.isEmpty()) {
            throw new IllegalArgumentException("an order needs at least one item");
        }
        Set<String> seen = new HashSet<>();
        for (Item item : items) {
            if (item.quantity() <= 0 || !seen.add(item.sku())) {
                throw new IllegalArgumentException("items must have distinct skus and positive quantities: " + items);
            }
        }
        return items.stream().sorted(Comparator.comparing(Item::sku)).toList();
    }

    private static Uni<StockReservation> lock(String tenant, UUID order) {
        return StockReservation.<StockReservation> find("tenant = ?1 and orderId = ?2", tenant, order)
                .withLock(LockModeType.PESSIMISTIC_WRITE).firstResult();
    }

    private static Uni<StockReserved> take(StockReservation reservation, List<Item> items) {
        List<String> skus = items.stream().map(Item::sku).toList();
        return Product.<Product> list("tenant = ?1 and sku in ?2", reservation.tenant, skus)
                .chain(products -> {
                    Map<String, Product> bySku = products.stream().collect(Collectors.toMap(p -> p.sku, Function.identity()));
                    Set<String> missing = new TreeSet<>(skus);
                    missing.removeAll(bySku.keySet());
                    if (!missing.isEmpty()) {
                        throw new UnknownProduct(missing);
                    }
                    Uni<Void> all = Uni.createFrom().voidItem();
                    List<PricedLine> lines = new ArrayList<>();
                    for (Item item : items) {
                        lines.add(new PricedLine(item.sku(), item.quantity(), bySku.get(item.sku()).unitPriceCents));
                        all = all.chain(() -> Product.update("reserved = reserved + ?1 "
                                + "where tenant = ?2 and sku = ?3 and stock - reserved >= ?1",
                                item.quantity(), reservation.tenant, item.sku())
                                .invoke(updated -> {
                                    if (updated == 0) {
                                        throw new OutOfStock(item.sku(), item.quantity());
                                    }
                                })
                                .replaceWithVoid());
                    }
                    return all.chain(() -> record(reservation, lines));
                });
    }

    private static Uni<StockReserved> record(StockReservation reservation, List<PricedLine> lines) {
        long total = 0;
        List<StockReservationLine> rows = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            PricedLine line = lines.get(i);
            total = Math.addExact(total, Math.multiplyExact(line.quantity(), line.unitPriceCents()));
            StockReservationLine row = new StockReservationLine();
            row.tenant = reservation.tenant;
            row.orderId = reservation.orderId;
            row.lineNo = i;
            row.sku = line.sku();
            row.quantity = line.quantity();
            row.unitPriceCents = line.unitPriceCents();
            rows.add(row);
        }
        reservation.totalCents = total;
        reservation.updatedAt = OffsetDateTime.now();
        StockReserved result = new StockReserved(reservation.orderId.toString(), lines, total);
        return StockReservationLine.persist(rows).replaceWith(result);
    }

    private static Uni<List<StockReservationLine>> lines(StockReservation reservation) {
        return StockReservationLine.list("tenant = ?1 and orderId = ?2 order by lineNo", reservation.tenant,
                reservation.orderId);
    }

    private static Uni<StockReserved> replay(StockReservation reservation) {
        if (reservation.status != StockReservation.Status.RESERVED) {
            throw new AlreadyCompensated("ReserveStock", reservation.orderId.toString());
        }
        return lines(reservation).map(rows -> new StockReserved(reservation.orderId.toString(),
                rows.stream().map(r -> new PricedLine(r.sku, r.quantity, r.unitPriceCents)).toList(),
                reservation.totalCents));
    }

    private static Uni<StockReleased> giveBack(StockReservation reservation, String executionId) {
        String orderId = reservation.orderId.toString();
        if (reservation.status == StockReservation.Status.RELEASED) {
            return Uni.createFrom().item(new StockReleased(orderId, false, reservation.tombstone));
        }
        return lines(reservation).chain(rows -> {
            Uni<Void> all = Uni.createFrom().voidItem();
            for (StockReservationLine row : rows) {
                all = all.chain(() -> Product.update("reserved = reserved - ?1 where tenant = ?2 and sku = ?3",
                        row.quantity, row.tenant, row.sku).replaceWithVoid());
            }
            return all;
        }).map(ignored -> {
            reservation.status = StockReservation.Status.RELEASED;
            reservation.executionId = executionId;
            reservation.updatedAt = OffsetDateTime.now();
            return new StockReleased(orderId, true, false);
        });
    }
}
