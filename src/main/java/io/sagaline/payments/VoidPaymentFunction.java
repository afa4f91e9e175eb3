package io.sagaline.payments;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

import io.sagaline.payments.PaymentService.PaymentVoided;
import io.sagaline.platform.saga.SagaStepLogged;
import io.sagaline.platform.saga.SagaTask;

/** Compensation VoidPayment: voids the authorisation, here and at the gateway, or leaves a tombstone. */
@SagaStepLogged(compensates = "authorize-payment")
@Named("void-payment")
public class VoidPaymentFunction implements RequestHandler<VoidPaymentFunction.Task, PaymentVoided> {

    public record Task(String tenant, String orderId, String executionId) implements SagaTask {
    }

    @Inject
    PaymentService payments;

    @Override
    public PaymentVoided handleRequest(Task task, Context context) {
        return payments.voidPayment(task.tenant(), task.orderId(), task.executionId());
    }
}
