package io.sagaline.payments;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

import io.sagaline.payments.PaymentService.PaymentAuthorized;
import io.sagaline.platform.saga.SagaStepLogged;
import io.sagaline.platform.saga.SagaTask;

/** Saga step AuthorizePayment: authorises the total at the gateway; compensated by VoidPayment. */
@SagaStepLogged
@Named("authorize-payment")
public class AuthorizePaymentFunction implements RequestHandler<AuthorizePaymentFunction.Task, PaymentAuthorized> {

    public record Task(String tenant, String orderId, String executionId, long amountCents,
            String paymentToken) implements SagaTask {
    }

    @Inject
    PaymentService payments;

    @Override
    public PaymentAuthorized handleRequest(Task task, Context context) {
        return payments.authorize(task.tenant(), task.orderId(), task.executionId(), task.amountCents(), task.paymentToken());
    }
}
