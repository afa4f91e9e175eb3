package io.sagaline.payments;

import java.time.OffsetDateTime;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import io.sagaline.payments.PaymentAuthorization.Status;
import io.sagaline.platform.Ids;
import io.sagaline.platform.Reactive;
import io.sagaline.platform.Sql;
import io.sagaline.platform.saga.AlreadyCompensated;
import io.smallrye.mutiny.Uni;

/**
 * AuthorizePayment and its compensation VoidPayment. The gateway call cannot share a database
 * transaction, so each side records its intent first: AuthorizePayment claims the order
 * (AUTHORIZING) before calling the gateway and records the answer only if no void came in
 * between; VoidPayment marks the order VOIDED before voiding at the gateway, so whichever of the
 * two runs second undoes the other's gateway effect. Every gateway call is idempotent by order.
 */
@ApplicationScoped
public class PaymentService {

    public record PaymentAuthorized(String orderId, String authorizationId, long amountCents) {
    }

    public record PaymentVoided(String orderId, boolean voided, boolean tombstone) {
    }

    public record PaymentRefunded(String orderId, boolean refunded, long amountCents) {
    }

    private record Claim(PaymentAuthorization row, boolean fresh) {
    }

    private final PaymentGatewayClient gateway;

    PaymentService(PaymentGatewayClient gateway) {
        this.gateway = gateway;
    }

    public PaymentAuthorized authorize(String tenant, String orderId, String executionId, long amountCents,
            String paymentToken) {
        UUID order = Ids.uuid(orderId).orElseThrow(() -> new IllegalArgumentException("orderId is not a UUID"));
        Claim claim = Reactive.inTransaction(() -> Sql.execute("""
                insert into payments.authorizations (tenant, order_id, amount_cents, status, execution_id, updated_at)
                values (?1, ?2, ?3, 'AUTHORIZING', ?4, ?5) on conflict do nothing""",
                tenant, order, amountCents, executionId, OffsetDateTime.now())
                .chain(inserted -> lock(tenant, order).map(row -> new Claim(row, inserted == 1))));
        switch (claim.row().status) {
            case AUTHORIZED -> {
                return new PaymentAuthorized(orderId, claim.row().gatewayAuthorizationId, claim.row().amountCents);
            }
            case DECLINED -> throw new PaymentDeclined("declined earlier for order " + orderId);
            case VOIDED -> throw new AlreadyCompensated("AuthorizePayment", orderId);
            default -> {
                // AUTHORIZING: ours, or an earlier attempt that died before recording the answer.
            }
        }
        String key = PaymentAuthorization.gatewayKey(tenant, order);
        String authorizationId;
        try {
            authorizationId = gateway.authorize(key, paymentToken, amountCents);
        } catch (PaymentDeclined e) {
            Reactive.inTransaction(() -> PaymentAuthorization.update(
                    "status = ?1, updatedAt = ?2 where tenant = ?3 and orderId = ?4 and status = ?5",
                    Status.DECLINED, OffsetDateTime.now(), tenant, order, Status.AUTHORIZING));
            throw e;
        }
        int recorded = Reactive.inTransaction(() -> PaymentAuthorization.update(
                "status = ?1, gatewayAuthorizationId = ?2, updatedAt = ?3 where tenant = ?4 and orderId = ?5 and status = ?6",
                Status.AUTHORIZED, authorizationId, OffsetDateTime.now(), tenant, order, Status.AUTHORIZING));
        if (recorded == 1) {
            return new PaymentAuthorized(orderId, authorizationId, amountCents);
        }
        // Someone else settled the row while the gateway was being asked.
        String token = UUID.randomUUID().toString();
        PaymentAuthorization settled = Reactive.inTransaction(() -> lock(tenant, order).map(row -> {
            if (row.status == Status.VOIDED) {
                markVoidPending(row, token);
            }
            return row;
        }));
        if (settled.status == Status.AUTHORIZED) {
            // A duplicate delivery of this step recorded it first; the gateway deduplicates by order.
            return new PaymentAuthorized(orderId, settled.gatewayAuthorizationId, settled.amountCents);
        }
        // VoidPayment ran meanwhile: undo what the gateway just did. Should the gateway fail now, the row
        // stays VOIDED with void_pending set, for the next VoidPayment (or a sweeper) to finish.
        voidAtGateway(tenant, order, token);
        throw new AlreadyCompensated("AuthorizePayment", orderId);
    }

    public PaymentVoided voidPayment(String tenant, String orderId, String executionId) {
        UUID order = Ids.uuid(orderId).orElseThrow(() -> new IllegalArgumentException("orderId is not a UUID"));
        String newToken = UUID.randomUUID().toString();
        Claim claim = Reactive.inTransaction(() -> Sql.execute("""
                insert into payments.authorizations (tenant, order_id, status, tombstone, execution_id, updated_at)
                values (?1, ?2, 'VOIDED', true, ?3, ?4) on conflict do nothing""",
                tenant, order, executionId, OffsetDateTime.now())
                .chain(inserted -> lock(tenant, order).map(row -> {
                    if (inserted == 0 && row.status != Status.VOIDED) {
                        if (row.status == Status.AUTHORIZED || row.status == Status.AUTHORIZING) {
                            markVoidPending(row, newToken);
                        }
                        row.status = Status.VOIDED;
                        row.executionId = executionId;
                        row.updatedAt = OffsetDateTime.now();
                        return new Claim(row, true);
                    }
                    return new Claim(row, inserted == 1);
                })));
        PaymentAuthorization row = claim.row();
        if (row.voidPending) {
            voidAtGateway(tenant, order, row.voidToken);
        }
        return new PaymentVoided(orderId, claim.fresh() && !row.tombstone, row.tombstone);
    }

    private static void markVoidPending(PaymentAuthorization row, String token) {
        row.voidPending = true;
        row.voidToken = token;
        row.updatedAt = OffsetDateTime.now();
    }

    /** Voids at the gateway, then clears void_pending if no other attempt has taken it over since. */
    private void voidAtGateway(String tenant, UUID order, String token) {
        gateway.voidAuthorization(PaymentAuthorization.gatewayKey(tenant, order));
        Reactive.inTransaction(() -> PaymentAuthorization.update(
                "voidPending = false, updatedAt = ?1 where tenant = ?2 and orderId = ?3 and voidToken = ?4",
                OffsetDateTime.now(), tenant, order, token));
    }

    private static Uni<PaymentAuthorization> lock(String tenant, UUID order) {
        return PaymentAuthorization.<PaymentAuthorization> find("tenant = ?1 and orderId = ?2", tenant, order)
                .withLock(LockModeType.PESSIMISTIC_WRITE).firstResult();
    }

    /**
     * RefundPayment, the CancelOrder saga's first step: gives an approved order's payment back at
     * the gateway (voids its authorisation) and only then records it VOIDED. If the void fails, the
     * gateway is asked whether the authorisation is voided anyway (a timed-out call that went
     * through): if not, {@link RefundNotTaken}, on which the cancellation is withdrawn; if it cannot
     * say, {@link PaymentUnavailable}. Refunding again is a no-op.
     */
    public PaymentRefunded refund(String tenant, String orderId, String executionId) {
        UUID order = Ids.uuid(orderId).orElseThrow(() -> new IllegalArgumentException("orderId is not a UUID"));
        PaymentAuthorization row = Reactive.inTransaction(() -> PaymentAuthorization
                .<PaymentAuthorization> find("tenant = ?1 and orderId = ?2", tenant, order).firstResult());
        if (row == null || (row.status != Status.AUTHORIZED && row.status != Status.VOIDED)) {
            throw new IllegalStateException("order " + orderId + " has no authorised payment to refund ("
                    + (row == null ? "none" : row.status) + ")");
        }
        if (row.status == Status.VOIDED && !row.voidPending) {
            return new PaymentRefunded(orderId, false, row.amountCents == null ? 0 : row.amountCents);
        }
        String key = PaymentAuthorization.gatewayKey(tenant, order);
        try {
            gateway.voidAuthorization(key);
        } catch (PaymentUnavailable e) {
            // A void that timed out may have gone through: only the gateway can say. If it cannot, the
            // outcome is unknown and PaymentUnavailable goes up (retried, never withdrawn).
            if (!gateway.isVoided(key)) {
                throw new RefundNotTaken("the gateway did not refund order " + orderId + " (" + e.getMessage()
                        + ") and holds its authorisation live");
            }
        }
        Reactive.inTransaction(() -> PaymentAuthorization.update(
                "status = ?1, voidPending = false, executionId = ?2, updatedAt = ?3 where tenant = ?4 and orderId = ?5",
                Status.VOIDED, executionId, OffsetDateTime.now(), tenant, order));
        return new PaymentRefunded(orderId, true, row.amountCents == null ? 0 : row.amountCents);
    }
}
