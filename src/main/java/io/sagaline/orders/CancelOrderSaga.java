package io.sagaline.orders;

import java.util.Optional;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.sagaline.platform.saga.SagaLauncher;
import software.amazon.awssdk.services.sfn.SfnClient;

/**
 * The CancelOrder state machine. Its executions are named {@code <orderId>-<attempt>}: a
 * cancellation that was withdrawn (the refund failed) may be asked for again, as a new execution.
 */
@Singleton
public class CancelOrderSaga extends SagaLauncher {

    CancelOrderSaga(SfnClient sfn, io.sagaline.platform.observability.Metrics metrics,
            @ConfigProperty(name = "sagaline.state-machines.cancel-order.arn") Optional<String> arn) {
        super(sfn, "cancel-order", arn, metrics);
    }

    public String executionArn(String orderId, int attempt) {
        return executionArn(orderId + "-" + attempt);
    }

    /** The name of an execution, from its ARN. */
    public static String name(String executionArn) {
        return executionArn.substring(executionArn.lastIndexOf(':') + 1);
    }
}
