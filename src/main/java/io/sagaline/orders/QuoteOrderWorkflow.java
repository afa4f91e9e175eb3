package io.sagaline.orders;

import java.time.Duration;
import java.util.Optional;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.sagaline.platform.saga.SyncWorkflow;
import software.amazon.awssdk.services.sfn.SfnClient;

/** The QuoteOrder state machine (EXPRESS): its 5 s TimeoutSeconds within the call's 8 s, within quote-order's 10 s. */
@Singleton
public class QuoteOrderWorkflow extends SyncWorkflow {

    QuoteOrderWorkflow(SfnClient sfn, @ConfigProperty(name = "sagaline.state-machines.quote-order.arn") Optional<String> arn) {
        super(sfn, "quote-order", arn, Duration.ofSeconds(8));
    }
}
