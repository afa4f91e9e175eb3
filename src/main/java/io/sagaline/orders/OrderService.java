package io.sagaline.orders;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagaline.orders.OrderApi.LineView;
import io.sagaline.orders.OrderApi.OrderAccepted;
import io.sagaline.orders.OrderApi.OrderView;
import io.sagaline.orders.OrderApi.PlaceOrder;
import io.sagaline.platform.Ids;
import io.sagaline.platform.Reactive;
import io.sagaline.platform.Sql;
import io.sagaline.platform.http.ApiException;
import io.smallrye.mutiny.Uni;
import software.amazon.awssdk.core.exception.SdkException;

/** Places orders (PENDING, then the saga decides) and answers what an order looks like now. */
@ApplicationScoped
public class OrderService {

    private final IdempotencyKeys idempotencyKeys;
    private final PlaceOrderSaga saga;
    private final ObjectMapper json;

    OrderService(IdempotencyKeys idempotencyKeys, PlaceOrderSaga saga, ObjectMapper json) {
        this.idempotencyKeys = idempotencyKeys;
        this.saga = saga;
        this.json = json;
    }

    public OrderAccepted place(String tenant, Optional<String> idempotencyKey, PlaceOrder request) {
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
        boolean created = Reactive.inTransaction(() -> insert(tenant, id, request, executionArn)) == 1;
        if (created || isPending(tenant, id)) {
            try {
                saga.start(orderId.toString(), executionInput(tenant, orderId, request));
            } catch (SdkException e) {
                // The order stays PENDING: had the start gone through unseen, its saga still needs the order.
                throw new ApiException(503, "saga-not-started", "Service unavailable", "order " + orderId
                        + " is stored but its saga could not be started (" + e.getMessage()
                        + "); send the same request again with an Idempotency-Key to start it");
            }
        }
        return new OrderAccepted(orderId, OrderStatus.PENDING);
    }

    private Optional<IdempotencyKeys.Claim> claim(String tenant, String key, IdempotencyKeys.Claim mine) {
        try {
            return idempotencyKeys.claim(tenant, key, mine);
        } catch (RuntimeException e) {
            throw new ApiException(503, "idempotency-unavailable", "Service unavailable",
                    "Idempotency-Key cannot be checked right now; nothing was stored, retry later");
        }
    }

    public Optional<OrderView> find(String tenant, String orderId) {
        return Ids.uuid(orderId).flatMap(id -> Optional.ofNullable(Reactive.inTransaction(
                () -> Order.<Order> find("tenant = ?1 and id = ?2", tenant, id).firstResult()
                        .chain(order -> order == null ? Uni.createFrom().nullItem()
                                : OrderLine.<OrderLine> list("orderId = ?1 order by lineNo", id)
                                        .map(lines -> view(order, lines))))));
    }

    private static OrderView view(Order order, List<OrderLine> lines) {
        return new OrderView(order.id, order.customerId,
                lines.stream().map(l -> new LineView(l.sku, l.quantity, l.unitPriceCents)).toList(),
                order.totalCents, order.status, order.rejectionReason, order.executionId);
    }

    private static Uni<Integer> insert(String tenant, UUID orderId, PlaceOrder request, String executionArn) {
        OffsetDateTime now = OffsetDateTime.now();
        return Sql.execute("""
                insert into orders.orders (id, tenant, customer_id, status, execution_id, created_at, updated_at)
                values (?1, ?2, ?3, 'PENDING', ?4, ?5, ?5) on conflict do nothing""",
                orderId, tenant, UUID.fromString(request.customerId()), executionArn, now)
                .chain(inserted -> {
                    if (inserted == 0) {
                        return Uni.createFrom().item(0);
                    }
                    List<OrderLine> lines = new ArrayList<>();
                    for (int i = 0; i < request.items().size(); i++) {
                        OrderLine line = new OrderLine();
                        line.orderId = orderId;
                        line.lineNo = i;
                        line.tenant = tenant;
                        line.sku = request.items().get(i).sku();
                        line.quantity = request.items().get(i).quantity();
                        lines.add(line);
                    }
                    return OrderLine.persist(lines).replaceWith(1);
                });
    }

    private static boolean isPending(String tenant, UUID orderId) {
        return Reactive.inTransaction(() -> Order.count("tenant = ?1 and id = ?2 and status = ?3", tenant, orderId,
                OrderStatus.PENDING)) > 0;
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
        long distinct = request.items().stream().map(OrderApi.Item::sku).distinct().count();
        if (distinct != request.items().size()) {
            throw ApiException.badRequest("items", "each sku may appear only once; add up the quantities instead");
        }
    }
}
