package io.sagaline.orders;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.orders.OrderApi.LineView;
import io.sagaline.platform.Ids;
import io.sagaline.platform.Reactive;
import io.sagaline.platform.audit.AuditLog;
import io.sagaline.platform.http.ApiException;
import io.sagaline.platform.saga.SagaStart;

/**
 * What happens to an order after it is placed, each as a command on its event stream: the
 * PlaceOrder saga's verdict (ApproveOrder, RejectOrder) and the CancelOrder saga's request,
 * completion or withdrawal. Every command is idempotent; none overturns a terminal verdict.
 */
@ApplicationScoped
public class OrderLifecycle {

    public record PricedLine(String sku, long quantity, long unitPriceCents) {
    }

    public record Pricing(List<PricedLine> lines, Long totalCents) {
    }

    public record Verdict(String orderId, OrderStatus status, RejectionReason rejectionReason) {
    }

    private final OrderCommands commands;
    private final OrderEventStore store;
    private final ObjectMapper json;
    private final AuditLog audit;
    private final io.sagaline.platform.observability.Metrics metrics;

    OrderLifecycle(OrderCommands commands, OrderEventStore store, ObjectMapper json, AuditLog audit,
            io.sagaline.platform.observability.Metrics metrics) {
        this.metrics = metrics;
        this.commands = commands;
        this.store = store;
        this.json = json;
        this.audit = audit;
    }

    /**
     * Whether a PlaceOrder execution is its order's own: the order exists for the tenant, was
     * placed with this execution, for this customer and these lines. Reads only; answers the order's
     * verdict so far (PENDING unless this execution is run again after it decided).
     */
    public Verdict check(String tenant, String orderId, String executionId, String customerId, List<OrderApi.Item> items) {
        OrderState order = Ids.uuid(orderId)
                .flatMap(id -> OrderState.of(tenant, id, Reactive.inTransaction(() -> store.load(tenant, id))))
                .orElseThrow(() -> new UnknownOrder("order " + orderId + " of tenant " + tenant + " does not exist"));
        if (!order.executionId().equals(executionId)) {
            throw new UnknownOrder("order " + orderId + " was placed with execution " + order.executionId() + ", not "
                    + executionId);
        }
        List<OrderApi.Item> placed = order.lines().stream().map(l -> new OrderApi.Item(l.sku(), l.quantity())).toList();
        if (!order.customerId().toString().equalsIgnoreCase(String.valueOf(customerId)) || !placed.equals(items)) {
            throw new UnknownOrder("order " + orderId + " was placed for customer " + order.customerId() + " with items "
                    + placed + ", not as this execution's input says");
        }
        return new Verdict(orderId, order.status(), order.rejectionReason());
    }

    public Verdict approve(String tenant, String orderId, String executionId, Pricing pricing) {
        return decide(tenant, orderId, executionId, OrderStatus.APPROVED, null, pricing);
    }

    public Verdict reject(String tenant, String orderId, String executionId, RejectionReason reason, Pricing pricing) {
        if (reason == null) {
            throw new IllegalArgumentException("a rejection needs a reason");
        }
        return decide(tenant, orderId, executionId, OrderStatus.REJECTED, reason, pricing);
    }

    private Verdict decide(String tenant, String orderId, String executionId, OrderStatus verdict, RejectionReason reason,
            Pricing pricing) {
        java.util.concurrent.atomic.AtomicBoolean decided = new java.util.concurrent.atomic.AtomicBoolean();
        OrderState after = commands.execute(tenant, id(orderId), executionId, existing -> {
            decided.set(false);
            OrderState order = existing.orElseThrow(
                    () -> new IllegalStateException("order " + orderId + " of tenant " + tenant + " does not exist"));
            if (!order.executionId().equals(executionId)) {
                // Only the order's own PlaceOrder execution decides it (CheckOrder may have failed
                // for a technical reason before it could refuse a stranger).
                throw new UnknownOrder("order " + orderId + " was placed with execution " + order.executionId()
                        + ", not " + executionId);
            }
            if (order.status() == verdict || (verdict == OrderStatus.APPROVED && order.status() == OrderStatus.CANCELLED)) {
                return List.of(); // decided before (a cancelled order was approved first): a late duplicate
            }
            if (order.status() != OrderStatus.PENDING) {
                throw new VerdictConflict(orderId, order.status(), verdict);
            }
            ObjectNode data = json.createObjectNode().put("customerId", order.customerId().toString());
            if (reason != null) {
                data.put("reason", reason.name());
            }
            if (pricing != null && pricing.lines() != null) {
                data.set("lines", pricedLines(order, pricing));
                data.put("totalCents", pricing.totalCents());
            }
            decided.set(true);
            return List
                    .of(new OrderEvent.New(verdict == OrderStatus.APPROVED ? OrderEvent.APPROVED : OrderEvent.REJECTED, data));
        }).orElseThrow();
        if (decided.get()) {
            metrics.sagaEnded("place-order", verdict.name(), reason == null ? null : reason.name());
        }
        return new Verdict(orderId, after.status(), after.rejectionReason());
    }

    private ArrayNode pricedLines(OrderState order, Pricing pricing) {
        ArrayNode lines = json.createArrayNode();
        for (LineView line : order.lines()) {
            ObjectNode priced = lines.addObject().put("sku", line.sku()).put("quantity", line.quantity());
            pricing.lines().stream().filter(p -> p.sku().equals(line.sku())).findFirst()
                    .ifPresent(p -> priced.put("unitPriceCents", p.unitPriceCents()));
        }
        return lines;
    }

    /** A cancellation asked for: the order, and whether this request started it (or found it under way). */
    public record CancellationRequest(OrderState order, boolean started) {
    }

    /**
     * Asks for the cancellation of an APPROVED order: records which CancelOrder execution will
     * carry it out and starts it with the commit, or answers the one already under way. 404 if the
     * order does not exist for the tenant, 409 unless it is APPROVED.
     */
    public CancellationRequest requestCancellation(AuditLog.Actor by, String orderId, CancelOrderSaga saga) {
        String tenant = by.tenant();
        UUID id = Ids.uuid(orderId).orElseThrow(() -> ApiException.notFound("order", orderId));
        AtomicBoolean started = new AtomicBoolean();
        OrderState after = commands.execute(tenant, id, null, existing -> {
            OrderState order = existing.orElseThrow(() -> ApiException.notFound("order", orderId));
            if (order.status() != OrderStatus.APPROVED) {
                throw ApiException
                        .conflict("order " + orderId + " is " + order.status() + "; only an APPROVED order can be cancelled");
            }
            started.set(order.cancellationExecutionId() == null);
            if (!started.get()) {
                return List.of();
            }
            String execution = saga.executionArn(orderId, order.cancellationAttempts() + 1);
            return List.of(new OrderEvent.New(OrderEvent.CANCELLATION_REQUESTED,
                    json.createObjectNode().put("executionId", execution)));
        }, order -> Optional.of(new SagaStart("cancel-order", CancelOrderSaga.name(order.cancellationExecutionId()),
                cancellationInput(order))),
                order -> audit.record(by, "cancel-order", OrderService.resource(orderId), AuditLog.Outcome.SUCCEEDED))
                .orElseThrow();
        return new CancellationRequest(after, started.get());
    }

    /** What a CancelOrder execution starts with. */
    public String cancellationInput(OrderState order) {
        return json.createObjectNode().put("tenant", order.tenant()).put("orderId", order.orderId().toString())
                .put("customerId", order.customerId().toString()).toString();
    }

    /** The CancelOrder saga's last step: everything is given back, the order is CANCELLED. */
    public Verdict completeCancellation(String tenant, String orderId, String executionId) {
        java.util.concurrent.atomic.AtomicBoolean completed = new java.util.concurrent.atomic.AtomicBoolean();
        OrderState after = commands.execute(tenant, id(orderId), executionId, existing -> {
            completed.set(false);
            OrderState order = existing.orElseThrow(() -> new IllegalStateException("order " + orderId + " does not exist"));
            if (order.status() == OrderStatus.CANCELLED) {
                return List.of();
            }
            if (order.status() != OrderStatus.APPROVED || !executionId.equals(order.cancellationExecutionId())) {
                throw new VerdictConflict(orderId, order.status(), OrderStatus.CANCELLED);
            }
            ObjectNode data = json.createObjectNode().put("customerId", order.customerId().toString());
            ArrayNode lines = data.putArray("lines");
            order.lines().forEach(l -> lines.addObject().put("sku", l.sku()).put("quantity", l.quantity())
                    .put("unitPriceCents", l.unitPriceCents()));
            data.put("totalCents", order.totalCents());
            completed.set(true);
            return List.of(new OrderEvent.New(OrderEvent.CANCELLED, data));
        }).orElseThrow();
        if (completed.get()) {
            metrics.sagaEnded("cancel-order", OrderStatus.CANCELLED.name(), null);
        }
        return new Verdict(orderId, after.status(), null);
    }

    /**
     * The CancelOrder saga's compensation: the payment could not be refunded, nothing was given
     * back, so the cancellation is withdrawn and the order stays APPROVED (a later cancel may try again).
     */
    public Verdict withdrawCancellation(String tenant, String orderId, String executionId, String reason) {
        java.util.concurrent.atomic.AtomicBoolean withdrawn = new java.util.concurrent.atomic.AtomicBoolean();
        OrderState after = commands.execute(tenant, id(orderId), executionId, existing -> {
            withdrawn.set(false);
            OrderState order = existing.orElseThrow(() -> new IllegalStateException("order " + orderId + " does not exist"));
            if (!executionId.equals(order.cancellationExecutionId()) || order.status() != OrderStatus.APPROVED) {
                return List.of(); // already withdrawn, or not this execution's to withdraw
            }
            withdrawn.set(true);
            return List.of(new OrderEvent.New(OrderEvent.CANCELLATION_WITHDRAWN,
                    json.createObjectNode().put("executionId", executionId).put("reason", reason)));
        }).orElseThrow();
        if (withdrawn.get()) {
            metrics.sagaEnded("cancel-order", "WITHDRAWN", "REFUND_REFUSED");
        }
        return new Verdict(orderId, after.status(), null);
    }

    private static UUID id(String orderId) {
        return Ids.uuid(orderId).orElseThrow(() -> new IllegalArgumentException("orderId is not a UUID"));
    }

}
