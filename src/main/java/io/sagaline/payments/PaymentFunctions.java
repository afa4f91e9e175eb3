package io.sagaline.payments;

import jakarta.inject.Inject;

import io.quarkus.funqy.Funq;
import io.sagaline.payments.PaymentService.PaymentAuthorized;
import io.sagaline.payments.PaymentService.PaymentVoided;

/** Saga steps: AuthorizePayment and its compensation VoidPayment. */
public class PaymentFunctions {

    public record AuthorizePaymentTask(String tenant, String orderId, String executionId, long amountCents,
            String paymentToken) {
    }

    public record VoidPaymentTask(String tenant, String orderId, String executionId) {
    }

    @Inject
    PaymentService payments;

    @Funq("authorize-payment")
    public PaymentAuthorized authorizePayment(AuthorizePaymentTask task) {
        return payments.authorize(task.tenant(), task.orderId(), task.executionId(), task.amountCents(),
                task.paymentToken());
    }

    @Funq("void-payment")
    public PaymentVoided voidPayment(VoidPaymentTask task) {
        return payments.voidPayment(task.tenant(), task.orderId(), task.executionId());
    }
}
