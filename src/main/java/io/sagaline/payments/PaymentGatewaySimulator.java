package io.sagaline.payments;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Simulates the payment gateway by token, as the API contract's table says: {@code tok_ok}
 * authorises, {@code tok_declined} declines, {@code tok_flaky} fails the first call for an order
 * transiently and then authorises, {@code tok_unavailable} fails transiently on every call. Any
 * other token is declined, as a real gateway declines a token it does not know.
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
    private final Map<String, AtomicInteger> authorizeCalls = new ConcurrentHashMap<>();

    private final AtomicReference<Runnable> beforeNextAnswer = new AtomicReference<>();
    private final Set<String> voidsUnavailable = ConcurrentHashMap.newKeySet();
    private final Set<String> voidAnswersLost = ConcurrentHashMap.newKeySet();

    @Override
    public String authorize(String idempotencyKey, String paymentToken, long amountCents) {
        authorizeCalls.computeIfAbsent(idempotencyKey, k -> new AtomicInteger()).incrementAndGet();
        Runnable hook = beforeNextAnswer.getAndSet(null);
        if (hook != null) {
            hook.run();
        }
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
        if (voidsUnavailable.contains(idempotencyKey)) {
            throw new TransientFailure("gateway unavailable (503) for voids of " + idempotencyKey);
        }
        if (voidAnswersLost.contains(idempotencyKey)) {
            byKey.computeIfPresent(idempotencyKey, (k, a) -> new Authorization(a.id(), a.amountCents(), State.VOIDED));
            throw new TransientFailure("gateway timed out (504) voiding " + idempotencyKey + "; the void went through");
        }
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

    /**
     * Runs {@code hook} once, inside the next authorisation call, before the gateway answers: how
     * tests put another step between a request to the gateway and its answer.
     */
    public void beforeNextAnswer(Runnable hook) {
        beforeNextAnswer.set(hook);
    }

    /** Makes every void (refund) of {@code idempotencyKey} fail transiently, or work again: an outage for tests. */
    public void voidsUnavailable(String idempotencyKey, boolean unavailable) {
        if (unavailable) {
            voidsUnavailable.add(idempotencyKey);
        } else {
            voidsUnavailable.remove(idempotencyKey);
        }
    }

    /** Makes every void of {@code idempotencyKey} go through at the gateway and its answer get lost (a 504), or not. */
    public void voidAnswersLost(String idempotencyKey, boolean lost) {
        if (lost) {
            voidAnswersLost.add(idempotencyKey);
        } else {
            voidAnswersLost.remove(idempotencyKey);
        }
    }

    /** How many authorisation calls reached the gateway for a key (retries included). */
    public int authorizeCalls(String idempotencyKey) {
        AtomicInteger calls = authorizeCalls.get(idempotencyKey);
        return calls == null ? 0 : calls.get();
    }

    private String grant(String idempotencyKey, long amountCents) {
        return byKey.computeIfAbsent(idempotencyKey,
                k -> new Authorization("auth_" + UUID.randomUUID(), amountCents, State.AUTHORIZED)).id();
    }
}
