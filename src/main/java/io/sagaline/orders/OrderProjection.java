package io.sagaline.orders;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagaline.orders.OrderApi.LineView;
import io.sagaline.platform.Reactive;
import io.sagaline.platform.Sql;
import io.smallrye.mutiny.Uni;

/**
 * The read model of orders ({@code orders.orders} and {@code orders.order_lines}, what
 * {@code GET /orders/{id}} reads): each order's row is its stream folded, written in the
 * transaction that appends to the stream, and rebuilt from the streams on demand. A view is only
 * ever replaced by one of the same or a later version.
 */
@ApplicationScoped
public class OrderProjection {

    private static final int PAGE = 500;

    private final OrderEventStore store;

    OrderProjection(OrderEventStore store) {
        this.store = store;
    }

    /** Writes the view of {@code order}, unless the view already shows a later version. */
    public Uni<Void> project(OrderState order) {
        return Sql.execute("""
                insert into orders.orders (id, tenant, customer_id, status, rejection_reason, total_cents, execution_id,
                                           cancellation_execution_id, version, created_at, updated_at)
                values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                on conflict (id) do update set status = excluded.status, rejection_reason = excluded.rejection_reason,
                    total_cents = excluded.total_cents, cancellation_execution_id = excluded.cancellation_execution_id,
                    version = excluded.version, updated_at = excluded.updated_at
                where orders.orders.version <= excluded.version""",
                order.orderId(), order.tenant(), order.customerId(), order.status().name(),
                order.rejectionReason() == null ? null : order.rejectionReason().name(), order.totalCents(),
                order.executionId(), order.cancellationExecutionId(), order.version(),
                OffsetDateTime.ofInstant(order.createdAt(), ZoneOffset.UTC),
                OffsetDateTime.ofInstant(order.updatedAt(), ZoneOffset.UTC))
                .chain(written -> written == 0 ? Uni.createFrom().voidItem() : lines(order));
    }

    private static Uni<Void> lines(OrderState order) {
        Uni<Integer> chain = Sql.execute("delete from orders.order_lines where order_id = ?1", order.orderId());
        List<LineView> lines = order.lines();
        for (int i = 0; i < lines.size(); i++) {
            LineView line = lines.get(i);
            int lineNo = i;
            chain = chain.chain(() -> Sql.execute("""
                    insert into orders.order_lines (tenant, order_id, line_no, sku, quantity, unit_price_cents)
                    values (?1, ?2, ?3, ?4, ?5, ?6)""", order.tenant(), order.orderId(), lineNo, line.sku(), line.quantity(),
                    line.unitPriceCents()));
        }
        return chain.replaceWithVoid();
    }

    /**
     * Folds every stream again and writes its view, one page of streams per transaction, then
     * deletes views that have no stream. A view that drifted is repaired; a view a command moved
     * on meanwhile is left to that command (the version guard). Commands go on during a rebuild
     * and contend only for the rows of one page at a time. Returns how many orders it wrote.
     */
    public int rebuild() {
        int written = 0;
        UUID after = null;
        while (true) {
            UUID from = after;
            List<Object[]> streams = Reactive.inTransaction(() -> store.streams(from, PAGE));
            if (streams.isEmpty()) {
                break;
            }
            Reactive.inTransaction(() -> {
                Uni<Void> chain = Uni.createFrom().voidItem();
                for (Object[] stream : streams) {
                    String tenant = (String) stream[0];
                    UUID orderId = (UUID) stream[1];
                    chain = chain.chain(() -> store.load(tenant, orderId)
                            .chain(events -> project(OrderState.of(tenant, orderId, events).orElseThrow())));
                }
                return chain;
            });
            written += streams.size();
            after = (UUID) streams.get(streams.size() - 1)[1];
        }
        Reactive.inTransaction(() -> Sql.execute(
                """
                        delete from orders.order_lines l where not exists (select 1 from orders.order_events e where e.order_id = l.order_id)""")
                .chain(() -> Sql.execute(
                        """
                                delete from orders.orders o where not exists (select 1 from orders.order_events e where e.order_id = o.id)""")));
        return written;
    }
}
