package io.sagaline.payments;

/**
 * The external payment gateway as our client sees it. Calls are idempotent by key: authorising
 * the same key twice yields the same authorisation, voiding an unknown key does nothing.
 */
public interface PaymentGateway {

    /** @return the gateway's authorisation id */
    String authorize(String idempotencyKey, String paymentToken, long amountCents);

    void voidAuthorization(String idempotencyKey);

    /** Whether the gateway holds the authorisation of this key as voided (false if it is live or unknown). */
    boolean isVoided(String idempotencyKey);

    /** The gateway refused the payment: a business answer, never retried. */
    class Declined extends RuntimeException {
        public Declined(String message) {
            super(message, null, false, false);
        }
    }

    /** The gateway could not answer now; asking again may work. */
    class TransientFailure extends RuntimeException {
        public TransientFailure(String message) {
            super(message, null, false, false);
        }
    }
}
