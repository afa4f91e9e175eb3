package io.sagaline.payments;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;

/**
 * The simulated gateway with the faults and the counting tests need, kept out of {@code src/main}: in the tests it
 * replaces {@link PaymentGatewaySimulator} (an alternative of the test sources), and behaves exactly as it does
 * until a test asks for an outage, a lost answer or a step between a request and its answer.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class FaultyPaymentGateway extends PaymentGatewaySimulator {

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
        return super.authorize(idempotencyKey, paymentToken, amountCents);
    }

    @Override
    public void voidAuthorization(String idempotencyKey) {
        if (voidsUnavailable.contains(idempotencyKey)) {
            throw new TransientFailure("gateway unavailable (503) for voids of " + idempotencyKey);
        }
        super.voidAuthorization(idempotencyKey);
        if (voidAnswersLost.contains(idempotencyKey)) {
            throw new TransientFailure("gateway timed out (504) voiding " + idempotencyKey + "; the void went through");
        }
    }

    /**
     * Runs {@code hook} once, inside the next authorisation call, before the gateway answers: how a test puts
     * another step between a request to the gateway and its answer.
     */
    public void beforeNextAnswer(Runnable hook) {
        beforeNextAnswer.set(hook);
    }

    /** Makes every void (refund) of {@code idempotencyKey} fail transiently, or work again: an outage. */
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
}
