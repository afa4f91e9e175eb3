package io.sagaline.payments;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Simulates the payment gateway by token, as the API contract's table says: {@code tok_ok}
 * authorises, {@code tok_declined} declines, {@code tok_flaky} fails the first call for an order
 * transiently and then authorises, {@code tok_unavailable} fails transiently on every call. Any
 * other token is declined, as a real gateway declines a token it does not know. (The tests' faults, outages
 * and call counts are a subclass of the test sources, FaultyPaymentGateway.)
 */
@ApplicationScoped
public class PaymentGatewaySimulator implements PaymentGateway {

    public enum State {
        AUTHORIZED,
        VOIDED
    }

    public record Authorization(String id, long amountCents, State state) {
    }

    private final Map<String, Authorization> byKey = new ConcurrentHashMap<>();
    private final Map<String, Boolean> flakyCallSeen = new ConcurrentHashMap<>();

    @Override
    public String authorize(String idempotencyKey, String paymentToken, long amountCents) {
        switch (paymentToken) {
            case "tok_ok" -> {
                return grant(idempotencyKey, amountCents);
            }
            case "tok_flaky" -> {
                if (flakyCallSeen.putIfAbsent(idempotencyKey, Boolean.TRUE) == null) {
                    throw new TransientFailure("gateway busy (503), first call for " + idempotencyKey);
                }
                return grant(idempotencyKey, amountCents);
            }
            case "tok_unavailable" -> throw new TransientFailure("gateway unavailable (503)");
            case "tok_declined" -> throw new Declined("card declined");
            default -> throw new Declined("unknown payment token");
        }
    }

    @Override
    public void voidAuthorization(String idempotencyKey) {
        byKey.computeIfPresent(idempotencyKey, (k, a) -> new Authorization(a.id(), a.amountCents(), State.VOIDED));
    }

    @Override
    public boolean isVoided(String idempotencyKey) {
        Authorization a = byKey.get(idempotencyKey);
        return a != null && a.state() == State.VOIDED;
    }

    /** What the gateway holds for a key: how tests and operators check there is no live authorisation. */
    public Optional<Authorization> authorization(String idempotencyKey) {
        return Optional.ofNullable(byKey.get(idempotencyKey));
    }

    private String grant(String idempotencyKey, long amountCents) {
        return byKey.computeIfAbsent(idempotencyKey,
                k -> new Authorization("auth_" + UUID.randomUUID(), amountCents, State.AUTHORIZED)).id();
    }
}
