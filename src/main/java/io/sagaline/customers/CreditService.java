package io.sagaline.customers;

import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import io.sagaline.platform.Ids;
import io.sagaline.platform.Reactive;
import io.sagaline.platform.Sql;
import io.sagaline.platform.saga.AlreadyCompensated;
import io.smallrye.mutiny.Uni;

/**
 * ReserveCredit and its compensation ReleaseCredit. Both are keyed by order: the reservation row
 * is the idempotency record, written in the same transaction as the change of available credit.
 * Available credit only ever moves through a conditional update, so it cannot go negative,
 * however many sagas race.
 */
@ApplicationScoped
public class CreditService {

    public record CreditReserved(String orderId, String customerId, long amountCents) {
    }

    public record CreditReleased(String orderId, boolean released, boolean tombstone) {
    }

    /** A quote of credit: {@code coversIt} unless the {@code rejectionReason} is what ReserveCredit would fail with. */
    public record CreditQuoted(boolean coversIt, String rejectionReason) {
    }

    public CreditReserved reserve(String tenant, String orderId, String executionId, String customerId, long amountCents) {
        if (amountCents < 0) {
            throw new IllegalArgumentException("amountCents must not be negative: " + amountCents);
        }
        UUID order = Ids.uuid(orderId).orElseThrow(() -> new IllegalArgumentException("orderId is not a UUID"));
        UUID customer = Ids.uuid(customerId).orElseThrow(() -> new UnknownCustomer(customerId));
        return Reactive.inTransaction(() -> Sql.execute("""
                insert into customers.credit_reservations (tenant, order_id, status, execution_id)
                values (?1, ?2, 'RESERVED', ?3) on conflict do nothing""", tenant, order, executionId)
                .chain(inserted -> lock(tenant, order).chain(reservation -> inserted == 1
                        ? take(reservation, customer, amountCents)
                        : Uni.createFrom().item(replay(reservation, orderId)))));
    }

    /**
     * QuoteCredit: what ReserveCredit would decide for {@code amountCents} now, reserving nothing:
     * an unknown (or erased) customer, or not enough available credit. It says whether the credit
     * covers the amount, never how much there is.
     */
    public CreditQuoted quote(String tenant, String customerId, long amountCents) {
        if (amountCents < 0) {
            throw new IllegalArgumentException("amountCents must not be negative: " + amountCents);
        }
        Optional<UUID> customer = Ids.uuid(customerId);
        Long available = customer.isEmpty() ? null
                : Reactive.inTransaction(() -> Customer.<Customer> find("tenant = ?1 and id = ?2 and erasedAt is null",
                        tenant, customer.get()).firstResult().map(c -> c == null ? null : c.availableCreditCents));
        if (available == null) {
            return new CreditQuoted(false, "UNKNOWN_CUSTOMER");
        }
        return available >= amountCents ? new CreditQuoted(true, null) : new CreditQuoted(false, "CREDIT_LIMIT_EXCEEDED");
    }

    public CreditReleased release(String tenant, String orderId, String executionId) {
        UUID order = Ids.uuid(orderId).orElseThrow(() -> new IllegalArgumentException("orderId is not a UUID"));
        return Reactive.inTransaction(() -> Sql.execute("""
                insert into customers.credit_reservations (tenant, order_id, status, tombstone, execution_id)
                values (?1, ?2, 'RELEASED', true, ?3) on conflict do nothing""", tenant, order, executionId)
                .chain(inserted -> inserted == 1
                        ? Uni.createFrom().item(new CreditReleased(orderId, false, true))
                        : lock(tenant, order).chain(reservation -> giveBack(reservation, executionId))));
    }

    private static Uni<CreditReservation> lock(String tenant, UUID order) {
        return CreditReservation.<CreditReservation> find("tenant = ?1 and orderId = ?2", tenant, order)
                .withLock(LockModeType.PESSIMISTIC_WRITE).firstResult();
    }

    private static Uni<CreditReserved> take(CreditReservation reservation, UUID customer, long amountCents) {
        return Customer.update("availableCreditCents = availableCreditCents - ?1 "
                + "where tenant = ?2 and id = ?3 and availableCreditCents >= ?1 and erasedAt is null", amountCents,
                reservation.tenant, customer)
                .chain(updated -> updated == 1
                        ? Uni.createFrom().voidItem()
                        : Customer.count("tenant = ?1 and id = ?2 and erasedAt is null", reservation.tenant, customer)
                                .map(exists -> {
                                    throw exists == 0 ? new UnknownCustomer(customer.toString())
                                            : new CreditLimitExceeded(customer.toString(), amountCents);
                                }))
                .map(ignored -> {
                    reservation.customerId = customer;
                    reservation.amountCents = amountCents;
                    reservation.updatedAt = OffsetDateTime.now();
                    return new CreditReserved(reservation.orderId.toString(), customer.toString(), amountCents);
                });
    }

    private static CreditReserved replay(CreditReservation reservation, String orderId) {
        if (reservation.status != CreditReservation.Status.RESERVED) {
            throw new AlreadyCompensated("ReserveCredit", orderId);
        }
        return new CreditReserved(orderId, reservation.customerId.toString(), reservation.amountCents);
    }

    private static Uni<CreditReleased> giveBack(CreditReservation reservation, String executionId) {
        String orderId = reservation.orderId.toString();
        if (reservation.status == CreditReservation.Status.RELEASED) {
            return Uni.createFrom().item(new CreditReleased(orderId, false, reservation.tombstone));
        }
        return Customer.update("availableCreditCents = availableCreditCents + ?1 where tenant = ?2 and id = ?3",
                reservation.amountCents, reservation.tenant, reservation.customerId)
                .map(updated -> {
                    reservation.status = CreditReservation.Status.RELEASED;
                    reservation.executionId = executionId;
                    reservation.updatedAt = OffsetDateTime.now();
                    return new CreditReleased(orderId, true, false);
                });
    }
}
