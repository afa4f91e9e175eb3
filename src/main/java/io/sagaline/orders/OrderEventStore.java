package io.sagaline.orders;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagaline.platform.Sql;
import io.smallrye.mutiny.Uni;

/**
 * The orders' event streams ({@code orders.order_events}): read whole or up to an instant, and
 * appended to with an expected version. Every method runs in the caller's transaction.
 */
@ApplicationScoped
public class OrderEventStore {

    private final ObjectMapper json;

    OrderEventStore(ObjectMapper json) {
        this.json = json;
    }

    /** The stream of {@code orderId} (empty if the order does not exist for {@code tenant}). */
    public Uni<List<OrderEvent>> load(String tenant, UUID orderId) {
        return read("tenant = ?1 and orderId = ?2", tenant, orderId);
    }

    /** The events of the stream that had happened at {@code asOf}. */
    public Uni<List<OrderEvent>> loadAsOf(String tenant, UUID orderId, Instant asOf) {
        return read("tenant = ?1 and orderId = ?2 and occurredAt <= ?3", tenant, orderId,
                OffsetDateTime.ofInstant(asOf, ZoneOffset.UTC));
    }

    /** Every order id of every tenant, in pages after {@code after} (null: from the start). */
    public Uni<List<Object[]>> streams(UUID after, int limit) {
        return after == null
                ? Sql.rows("select distinct tenant, order_id from orders.order_events order by order_id limit ?1", limit)
                : Sql.rows(
                        "select distinct tenant, order_id from orders.order_events where order_id > ?1 order by order_id limit ?2",
                        after, limit);
    }

    /**
     * Appends {@code events} after version {@code expectedVersion}; fails with {@link ConcurrentAppend}
     * if the stream is past it. Event times never go backwards within a stream.
     */
    public Uni<List<OrderEvent>> append(String tenant, UUID orderId, int expectedVersion, Instant lastOccurredAt,
            String causationId, List<OrderEvent.New> events) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        Instant at = lastOccurredAt != null && lastOccurredAt.isAfter(now) ? lastOccurredAt : now;
        List<OrderEvent> appended = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            appended.add(new OrderEvent(UUID.randomUUID(), expectedVersion + 1 + i, events.get(i).type(), at, causationId,
                    events.get(i).data()));
        }
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (OrderEvent event : appended) {
            chain = chain.chain(() -> Sql.execute(
                    """
                            insert into orders.order_events (tenant, order_id, version, id, type, occurred_at, causation_id, data)
                            values (?1, ?2, ?3, ?4, ?5, ?6, ?7, cast(cast(?8 as text) as jsonb)) on conflict (order_id, version) do nothing""",
                    tenant, orderId, event.version(), event.id(), event.type(), OffsetDateTime.ofInstant(at, ZoneOffset.UTC),
                    causationId, write(event))
                    .invoke(inserted -> {
                        if (inserted == 0) {
                            throw new ConcurrentAppend(orderId.toString(), event.version() - 1);
                        }
                    }).replaceWithVoid());
        }
        return chain.replaceWith(appended);
    }

    private Uni<List<OrderEvent>> read(String where, Object... params) {
        return StoredOrderEvent.<StoredOrderEvent> list(where + " order by version", params)
                .map(rows -> rows.stream().map(this::event).toList());
    }

    private OrderEvent event(StoredOrderEvent row) {
        try {
            return new OrderEvent(row.eventId, row.version, row.type, row.occurredAt.toInstant(), row.causationId,
                    json.readTree(row.data));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable event " + row.eventId, e);
        }
    }

    private String write(OrderEvent event) {
        try {
            return json.writeValueAsString(event.data());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
