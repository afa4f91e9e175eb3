package io.sagaline.payments;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

import io.smallrye.faulttolerance.api.CircuitBreakerName;

/**
 * The gateway behind timeouts, retries of transient failures only, and a circuit breaker. A
 * decline is an answer and is neither retried nor counted against the circuit. Callers see two
 * outcomes besides success: {@link PaymentDeclined} and {@link PaymentUnavailable}.
 * <p>
 * The breaker counts every attempt (MicroProfile places it inside the retry) and opens when 3 of
 * the last 4 attempts failed: a call that keeps failing opens it after its own retries, while
 * blips that a retry absorbs (fail, succeed, fail, succeed) never do.
 */
@ApplicationScoped
public class PaymentGatewayClient {

    public static final String AUTHORIZE_CIRCUIT = "payment-gateway-authorize";
    public static final String VOID_CIRCUIT = "payment-gateway-void";

    private final Guarded guarded;

    PaymentGatewayClient(Guarded guarded) {
        this.guarded = guarded;
    }

    public String authorize(String idempotencyKey, String paymentToken, long amountCents) {
        try {
            return guarded.authorize(idempotencyKey, paymentToken, amountCents);
        } catch (PaymentGateway.Declined e) {
            throw new PaymentDeclined(e.getMessage());
        } catch (PaymentGateway.TransientFailure | TimeoutException | CircuitBreakerOpenException e) {
            throw new PaymentUnavailable(e.getMessage());
        }
    }

    public void voidAuthorization(String idempotencyKey) {
        try {
            guarded.voidAuthorization(idempotencyKey);
        } catch (PaymentGateway.TransientFailure | TimeoutException | CircuitBreakerOpenException e) {
            throw new PaymentUnavailable(e.getMessage());
        }
    }

    /** Asks the gateway whether the authorisation of a key is voided; {@link PaymentUnavailable} if it cannot say. */
    public boolean isVoided(String idempotencyKey) {
        try {
            return guarded.isVoided(idempotencyKey);
        } catch (PaymentGateway.TransientFailure | TimeoutException | CircuitBreakerOpenException e) {
            throw new PaymentUnavailable(e.getMessage());
        }
    }

    /** The fault-tolerance policies live on this bean so that the interceptors apply. */
    @ApplicationScoped
    static class Guarded {

        private final PaymentGateway gateway;

        Guarded(PaymentGateway gateway) {
            this.gateway = gateway;
        }

        @Timeout(2000)
        @Retry(maxRetries = 3, delay = 100, jitter = 50, retryOn = { PaymentGateway.TransientFailure.class,
                TimeoutException.class }, abortOn = PaymentGateway.Declined.class)
        @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.75, delay = 10_000, successThreshold = 2, failOn = {
                PaymentGateway.TransientFailure.class, TimeoutException.class }, skipOn = PaymentGateway.Declined.class)
        @CircuitBreakerName(AUTHORIZE_CIRCUIT)
        String authorize(String idempotencyKey, String paymentToken, long amountCents) {
            return gateway.authorize(idempotencyKey, paymentToken, amountCents);
        }

        @Timeout(2000)
        @Retry(maxRetries = 3, delay = 100, jitter = 50, retryOn = { PaymentGateway.TransientFailure.class,
                TimeoutException.class })
        @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.5, delay = 10_000, successThreshold = 2)
        @CircuitBreakerName(VOID_CIRCUIT)
        void voidAuthorization(String idempotencyKey) {
            gateway.voidAuthorization(idempotencyKey);
        }

        @Timeout(2000)
        @Retry(maxRetries = 3, delay = 100, jitter = 50, retryOn = { PaymentGateway.TransientFailure.class,
                TimeoutException.class })
        boolean isVoided(String idempotencyKey) {
            return gateway.isVoided(idempotencyKey);
        }
    }
}
