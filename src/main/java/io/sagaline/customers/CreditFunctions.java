package io.sagaline.customers;

import jakarta.inject.Inject;

import io.quarkus.funqy.Funq;
import io.sagaline.customers.CreditService.CreditReleased;
import io.sagaline.customers.CreditService.CreditReserved;

/** Saga steps: ReserveCredit and its compensation ReleaseCredit. */
public class CreditFunctions {

    public record ReserveCreditTask(String tenant, String orderId, String executionId, String customerId,
            long amountCents) {
    }

    public record ReleaseCreditTask(String tenant, String orderId, String executionId) {
    }

    @Inject
    CreditService credit;

    @Funq("reserve-credit")
    public CreditReserved reserveCredit(ReserveCreditTask task) {
        return credit.reserve(task.tenant(), task.orderId(), task.executionId(), task.customerId(), task.amountCents());
    }

    @Funq("release-credit")
    public CreditReleased releaseCredit(ReleaseCreditTask task) {
        return credit.release(task.tenant(), task.orderId(), task.executionId());
    }
}
