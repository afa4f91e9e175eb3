package io.sagaline.customers;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

import io.sagaline.customers.CreditService.CreditReleased;
import io.sagaline.platform.saga.SagaStepLogged;
import io.sagaline.platform.saga.SagaTask;

/** Compensation ReleaseCredit: gives back what ReserveCredit took, or leaves a tombstone. */
@SagaStepLogged(compensates = "reserve-credit")
@Named("release-credit")
public class ReleaseCreditFunction implements RequestHandler<ReleaseCreditFunction.Task, CreditReleased> {

    public record Task(String tenant, String orderId, String executionId) implements SagaTask {
    }

    @Inject
    CreditService credit;

    @Override
    public CreditReleased handleRequest(Task task, Context context) {
        return credit.release(task.tenant(), task.orderId(), task.executionId());
    }
}
