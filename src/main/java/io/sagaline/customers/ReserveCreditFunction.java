package io.sagaline.customers;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

import io.sagaline.customers.CreditService.CreditReserved;
import io.sagaline.platform.saga.SagaStepLogged;
import io.sagaline.platform.saga.SagaTask;

/** Saga step ReserveCredit: takes the order total from the customer's available credit; compensated by ReleaseCredit. */
@SagaStepLogged
@Named("reserve-credit")
public class ReserveCreditFunction implements RequestHandler<ReserveCreditFunction.Task, CreditReserved> {

    public record Task(String tenant, String orderId, String executionId, String customerId,
            long amountCents) implements SagaTask {
    }

    @Inject
    CreditService credit;

    @Override
    public CreditReserved handleRequest(Task task, Context context) {
        return credit.reserve(task.tenant(), task.orderId(), task.executionId(), task.customerId(), task.amountCents());
    }
}
