package io.sagaline.orders;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.orders.OrderApi.LineView;
import io.sagaline.orders.OrderApi.OrderAccepted;
import io.sagaline.orders.OrderApi.OrderView;
import io.sagaline.orders.OrderApi.PlaceOrder;
import io.sagaline.platform.Ids;
import io.sagaline.platform.Reactive;
import io.sagaline.platform.audit.AuditLog;
import io.sagaline.platform.http.ApiException;
import io.sagaline.platform.saga.SagaStart;
import io.smallrye.mutiny.Uni;
import software.amazon.awssdk.core.exception.SdkException;

/** Places orders (PENDING, then the saga decides) and answers what an order looks like, now or then, and its history. */
@ApplicationScoped
public class OrderService {

    private static final Logger LOG = Logger.getLogger(OrderService.class);

    private final IdempotencyKeys idempotencyKeys;
    private final PlaceOrderSaga saga;
    private final OrderCommands commands;
    private final OrderEventStore store;
    private final ObjectMapper json;

    private final AuditLog audit;

    OrderService(IdempotencyKeys idempotencyKeys, PlaceOrderSaga saga, OrderCommands commands, OrderEventStore store,
            ObjectMapper json, AuditLog audit) {
        this.audit = audit;
        this.idempotencyKeys = idempotencyKeys;
        this.saga = saga;
        this.commands = commands;
        this.store = store;
        this.json = json;
    }

    /** Places an order for {@code by}'s tenant (what a customer buys is personal data: audited with the order's commit). */
    public OrderAccepted place(AuditLog.Actor by, Optional<String> idempotencyKey, PlaceOrder request) {
        String tenant = by.tenant();
        requireDistinctSkus(request);
        UUID orderId = UUID.randomUUID();
        if (idempotencyKey.isPresent()) {
            String key = checkedKey(idempotencyKey.get());
            String hash = hash(request);
            Optional<IdempotencyKeys.Claim> earlier = claim(tenant, key, new IdempotencyKeys.Claim(hash, orderId.toString()));
            if (earlier.isPresent()) {
                if (!earlier.get().requestHash().equals(hash)) {
                    throw new ApiException(422, "idempotency-key-reused", "Idempotency-Key reused",
                            "Idempotency-Key '" + key + "' was first used with a different body");
                }
                orderId = UUID.fromString(earlier.get().orderId());
            }
        }
        String executionArn = saga.executionArn(orderId.toString());
        UUID id = orderId;
        AtomicBoolean created = new AtomicBoolean();
        String input = executionInput(tenant, orderId, request);
        OrderState order = commands.execute(tenant, id, executionArn, existing -> {
            created.set(existing.isEmpty());
            return existing.isPresent() ? List.of()
                    : List.of(new OrderEvent.New(OrderEvent.PLACED, placed(request, executionArn)));
        }, placed -> Optional.of(new SagaStart("place-order", id.toString(), input)),
                placed -> audit.record(by, "place-order", resource(id.toString()), AuditLog.Outcome.SUCCEEDED)).orElseThrow();
        // A new order's saga starts through the outbox, with the order's commit. A replay of a
        // PENDING order starts it again directly (the same execution, so a no-op if it runs).
        if (!created.get() && order.status() == OrderStatus.PENDING) {
            try {
                saga.start(orderId.toString(), input);
            } catch (SdkException e) {
                throw new ApiException(503, "saga-not-started", "Service unavailable", "order " + orderId
                        + " is stored but its saga could not be started (" + e.getMessage()
                        + "); send the same request again with the same Idempotency-Key");
            }
        }
        return new OrderAccepted(orderId, OrderStatus.PENDING);
    }

    private Optional<IdempotencyKeys.Claim> claim(String tenant, String key, IdempotencyKeys.Claim mine) {
        try {
            return idempotencyKeys.claim(tenant, key, mine);
        } catch (RuntimeException e) {
            LOG.errorf(e, "Idempotency-Key of tenant %s could not be checked", tenant);
            throw new ApiException(503, "idempotency-unavailable", "Service unavailable",
                    "Idempotency-Key cannot be checked right now; nothing was stored, retry later");
        }
    }

    /** The order as the read model has it now; the read (or the miss) audited in its transaction. */
    public Optional<OrderView> find(AuditLog.Actor by, String orderId) {
        return Optional.ofNullable(Reactive.inTransaction(() -> read(by, orderId)));
    }

    /** As {@link #find}, holding no thread: for a waiting read's answer. */
    public java.util.concurrent.CompletionStage<Optional<OrderView>> findAsync(AuditLog.Actor by, String orderId) {
        return Reactive.inTransactionAsync(() -> read(by, orderId)).thenApply(Optional::ofNullable);
    }

    private Uni<OrderView> read(AuditLog.Actor by, String orderId) {
        Optional<UUID> id = Ids.uuid(orderId);
        return (id.isEmpty() ? Uni.createFrom().<OrderView> nullItem()
                : Order.<Order> find("tenant = ?1 and id = ?2", by.tenant(), id.get()).firstResult()
                        .chain(order -> order == null ? Uni.createFrom().<OrderView> nullItem()
                                : OrderLine.<OrderLine> list("orderId = ?1 order by lineNo", id.get())
                                        .map(lines -> view(order, lines))))
                .call(found -> audited(by, "get-order", orderId, found != null));
    }

    /** The order as it was at {@code asOf}: its stream up to then, folded. Empty if it did not exist yet. Audited. */
    public Optional<OrderView> findAsOf(AuditLog.Actor by, String orderId, Instant asOf) {
        Optional<UUID> id = Ids.uuid(orderId);
        List<OrderEvent> events = Reactive.inTransaction(() -> (id.isEmpty() ? Uni.createFrom().item(List.<OrderEvent> of())
                : store.loadAsOf(by.tenant(), id.get(), asOf))
                .call(found -> audited(by, "get-order", orderId, !found.isEmpty())));
        return id.flatMap(i -> OrderState.of(by.tenant(), i, events)).map(OrderState::view);
    }

    /** The order's stream, oldest first; empty if the order does not exist for the tenant. Audited. */
    public List<OrderEvent> events(AuditLog.Actor by, String orderId) {
        Optional<UUID> id = Ids.uuid(orderId);
        return Reactive.inTransaction(() -> (id.isEmpty() ? Uni.createFrom().item(List.<OrderEvent> of())
                : store.load(by.tenant(), id.get()))
                .call(found -> audited(by, "get-order-events", orderId, !found.isEmpty())));
    }

    private Uni<Void> audited(AuditLog.Actor by, String operation, String orderId, boolean found) {
        return audit.record(by, operation, resource(orderId), found ? AuditLog.Outcome.SUCCEEDED : AuditLog.Outcome.NOT_FOUND);
    }

    static String resource(String orderId) {
        return "orders/" + orderId;
    }

    private static OrderView view(Order order, List<OrderLine> lines) {
        return new OrderView(order.id, order.customerId,
                lines.stream().map(l -> new LineView(l.sku, l.quantity, l.unitPriceCents)).toList(),
                order.totalCents, order.status, order.rejectionReason, order.executionId);
    }

    private ObjectNode placed(PlaceOrder request, String executionArn) {
        ObjectNode data = json.createObjectNode().put("customerId", request.customerId().toLowerCase())
                .put("executionId", executionArn);
        ArrayNode items = data.putArray("items");
        request.items().forEach(i -> items.addObject().put("sku", i.sku()).put("quantity", i.quantity()));
        return data;
    }

    private String executionInput(String tenant, UUID orderId, PlaceOrder request) {
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("tenant", tenant);
        input.put("orderId", orderId.toString());
        input.put("customerId", request.customerId().toLowerCase());
        input.put("items", request.items());
        input.put("paymentToken", request.paymentToken());
        try {
            return json.writeValueAsString(input);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private String hash(PlaceOrder request) {
        try {
            byte[] canonical = json.writeValueAsString(request).getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String checkedKey(String key) {
        if (key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw ApiException.badRequest("Idempotency-Key", "must be 1-255 visible ASCII characters");
        }
        return key;
    }

    private static void requireDistinctSkus(PlaceOrder request) {
        requireDistinctSkus(request.items());
    }

    /** Refuses lines that name a sku twice (400, field {@code items}), for orders and quotes alike. */
    static void requireDistinctSkus(List<OrderApi.Item> items) {
        long distinct = items.stream().map(OrderApi.Item::sku).distinct().count();
        if (distinct != items.size()) {
            throw ApiException.badRequest("items", "each sku may appear only once; add up the quantities instead");
        }
    }
}
