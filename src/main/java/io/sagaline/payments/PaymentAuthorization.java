package io.sagaline.payments;

import java.time.OffsetDateTime;
import java.util.UUID;

import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import io.sagaline.platform.TenantOrderKey;

/** The idempotency record of AuthorizePayment/VoidPayment for one order. */
@Entity
@IdClass(TenantOrderKey.class)
@Table(schema = "payments", name = "authorizations")
public class PaymentAuthorization extends PanacheEntityBase {

    public enum Status {
        /** The gateway was or is being asked; its answer is not recorded. */
        AUTHORIZING,
        AUTHORIZED,
        DECLINED,
        VOIDED
    }

    @Id
    public String tenant;
    @Id
    public UUID orderId;
    public Long amountCents;
    @Enumerated(EnumType.STRING)
    public Status status;
    public boolean tombstone;
    /** Voided here, not yet confirmed voided at the gateway. */
    public boolean voidPending;
    /** Which void attempt set {@link #voidPending}; only its gateway confirmation clears it. */
    public String voidToken;
    public String gatewayAuthorizationId;
    public String executionId;
    public OffsetDateTime updatedAt;

    /** The key the gateway deduplicates by: one authorisation per order. */
    public static String gatewayKey(String tenant, UUID orderId) {
        return tenant + ":" + orderId;
    }
}
