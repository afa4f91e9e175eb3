package io.sagaline.orders;

import java.util.Optional;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.sagaline.platform.saga.SagaLauncher;
import software.amazon.awssdk.services.sfn.SfnClient;

/** The PlaceOrder state machine; its execution is named after the order. */
@Singleton
public class PlaceOrderSaga extends SagaLauncher {

    PlaceOrderSaga(SfnClient sfn, io.sagaline.platform.observability.Metrics metrics,
            @ConfigProperty(name = "sagaline.state-machines.place-order.arn") Optional<String> arn) {
        super(sfn, "place-order", arn, metrics);
    }
}
