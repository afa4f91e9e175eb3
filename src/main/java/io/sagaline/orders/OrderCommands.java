package io.sagaline.orders;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.platform.Reactive;
import io.sagaline.platform.messaging.Envelope;
import io.sagaline.platform.messaging.Outbox;
import io.sagaline.platform.saga.SagaStart;
import io.smallrye.mutiny.Uni;

/**
 * Runs a command on one order: reads its stream, folds it, lets the command decide which events
 * follow, appends them with the version it read as the expected version, and in the same
 * transaction updates the read model and writes the announced events (and the saga it starts, if
 * any) to the outbox. If another writer appended first, the append is refused and the command
 * runs again on the new stream. After the commit the outbox messages are sent.
 */
@ApplicationScoped
public class OrderCommands {

    private static final Logger LOG = Logger.getLogger(OrderCommands.class);
    static final String SCHEMA = "orders";
    /** The events other services hear about, through the outbox. */
    static final Set<String> ANNOUNCED = Set.of(OrderEvent.APPROVED, OrderEvent.REJECTED, OrderEvent.CANCELLED);
    private static final int ATTEMPTS = 20;

    private final OrderEventStore store;
    private final OrderProjection projection;
    private final Outbox outbox;
    private final ObjectMapper json;

    OrderCommands(OrderEventStore store, OrderProjection projection, Outbox outbox, ObjectMapper json) {
        this.store = store;
        this.projection = projection;
        this.outbox = outbox;
        this.json = json;
    }

    private record Done(Optional<OrderState> state, List<Envelope> announced) {
    }

    /**
     * Runs {@code decide} on the order as it is (empty if it does not exist) and appends what it
     * decides; returns the order as it is afterwards. {@code decide} may run more than once and
     * must have no effect of its own.
     */
    public Optional<OrderState> execute(String tenant, UUID orderId, String causationId,
            Function<Optional<OrderState>, List<OrderEvent.New>> decide) {
        return execute(tenant, orderId, causationId, decide, after -> Optional.empty());
    }

    /**
     * As {@link #execute(String, UUID, String, Function)}; if events were appended, {@code starts}
     * may name a saga to start for the order as it is now: it goes to the outbox in the same
     * transaction and is started right after the commit (or by the sweeper).
     */
    public Optional<OrderState> execute(String tenant, UUID orderId, String causationId,
            Function<Optional<OrderState>, List<OrderEvent.New>> decide, Function<OrderState, Optional<SagaStart>> starts) {
        return execute(tenant, orderId, causationId, decide, starts, order -> Uni.createFrom().voidItem());
    }

    /**
     * As {@link #execute(String, UUID, String, Function, Function)}, and {@code audited} writes the
     * command's audit entry in its transaction, on the order as it is afterwards (also when the command
     * appended nothing: a replay is a request too).
     */
    public Optional<OrderState> execute(String tenant, UUID orderId, String causationId,
            Function<Optional<OrderState>, List<OrderEvent.New>> decide, Function<OrderState, Optional<SagaStart>> starts,
            Function<Optional<OrderState>, Uni<Void>> audited) {
        for (int attempt = 1;; attempt++) {
            try {
                Done done = Reactive.inTransaction(() -> store.load(tenant, orderId).chain(events -> {
                    Optional<OrderState> before = OrderState.of(tenant, orderId, events);
                    List<OrderEvent.New> decided = decide.apply(before);
                    if (decided.isEmpty()) {
                        return audited.apply(before).replaceWith(new Done(before, List.of()));
                    }
                    int version = before.map(OrderState::version).orElse(0);
                    return store.append(tenant, orderId, version, before.map(OrderState::updatedAt).orElse(null), causationId,
                            decided).chain(appended -> {
                                List<OrderEvent> all = new ArrayList<>(events);
                                all.addAll(appended);
                                OrderState after = OrderState.of(tenant, orderId, all).orElseThrow();
                                List<Envelope> announced = new ArrayList<>(appended.stream()
                                        .filter(e -> ANNOUNCED.contains(e.type())).map(e -> envelope(tenant, orderId, e))
                                        .toList());
                                OrderEvent last = appended.get(appended.size() - 1);
                                starts.apply(after).ifPresent(start -> announced.add(start.message(tenant, orderId.toString(),
                                        last.id().toString(), last.occurredAt(), json)));
                                Uni<Void> writes = projection.project(after);
                                for (Envelope message : announced) {
                                    writes = writes.chain(() -> outbox.add(SCHEMA, message)).replaceWithVoid();
                                }
                                return writes.chain(() -> audited.apply(Optional.of(after)))
                                        .replaceWith(new Done(Optional.of(after), announced));
                            });
                }));
                outbox.publish(SCHEMA, done.announced());
                return done.state();
            } catch (ConcurrentAppend e) {
                if (attempt == ATTEMPTS) {
                    throw e;
                }
                LOG.debugf("order %s: %s; deciding again (attempt %d)", orderId, e.getMessage(), attempt + 1);
                backOff(attempt);
            }
        }
    }

    private static Envelope envelope(String tenant, UUID orderId, OrderEvent event) {
        ObjectNode payload = ((ObjectNode) event.data().deepCopy());
        payload.put("orderId", orderId.toString());
        return new Envelope(event.id(), event.type(), 1, tenant, orderId.toString(), event.causationId(), event.occurredAt(),
                payload);
    }

    private static void backOff(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(1, 1 + Math.min(50, 2L * attempt)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
