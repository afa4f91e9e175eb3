package io.sagaline.orders;

public enum OrderStatus {
    PENDING,
    APPROVED,
    REJECTED,
    CANCELLED
}
