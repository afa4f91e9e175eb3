package io.sagaline.orders;

/** Why the PlaceOrder saga rejected an order; the saga's Catch states name it. */
public enum RejectionReason {
    UNKNOWN_CUSTOMER,
    UNKNOWN_PRODUCT,
    OUT_OF_STOCK,
    CREDIT_LIMIT_EXCEEDED,
    PAYMENT_DECLINED,
    PAYMENT_UNAVAILABLE,
    /** A step failed for a technical reason after its retries; everything reserved was given back. */
    SYSTEM_ERROR
}
