package io.sagaline.support;

import static org.assertj.core.api.Assertions.assertThat;

/** The API contract's invariants, checked on what is stored. */
public final class Invariants {

    private Invariants() {
    }

    /** A REJECTED order holds no stock, no credit and no live authorisation (as the payments service records it). */
    public static void rejectedOrderHoldsNothing(Db db, String orderId) {
        assertThat(db.rows("select status from inventory.stock_reservations where order_id = ?::uuid", orderId))
                .as("stock of " + orderId).allSatisfy(r -> assertThat(r.get("status")).isEqualTo("RELEASED"));
        assertThat(db.rows("select status from customers.credit_reservations where order_id = ?::uuid", orderId))
                .as("credit of " + orderId).allSatisfy(r -> assertThat(r.get("status")).isEqualTo("RELEASED"));
        assertThat(db.rows("select status, void_pending from payments.authorizations where order_id = ?::uuid", orderId))
                .as("payment of " + orderId).allSatisfy(r -> {
                    assertThat(r.get("status")).isIn("VOIDED", "DECLINED");
                    assertThat(r.get("void_pending")).isEqualTo(false);
                });
    }
}
