package io.sagaline.payments;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

import io.sagaline.payments.PaymentService.PaymentRefunded;
import io.sagaline.platform.saga.SagaStepLogged;
import io.sagaline.platform.saga.SagaTask;

/**
 * Saga step RefundPayment (CancelOrder): gives the payment of an approved order back at the
 * gateway; {@code PaymentUnavailable} if the gateway cannot take it now.
 */
@SagaStepLogged
@Named("refund-payment")
public class RefundPaymentFunction implements RequestHandler<RefundPaymentFunction.Task, PaymentRefunded> {

    public record Task(String tenant, String orderId, String executionId) implements SagaTask {
    }

    @Inject
    PaymentService payments;

    @Override
    public PaymentRefunded handleRequest(Task task, Context context) {
        return payments.refund(task.tenant(), task.orderId(), task.executionId());
    }
}
