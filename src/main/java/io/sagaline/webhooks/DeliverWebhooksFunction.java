package io.sagaline.webhooks;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;

/** Consumes {@code webhooks-deliveries}: POSTs each delivery that is due to its receiver ({@link WebhookDeliveries}). */
@Named("deliver-webhooks")
public class DeliverWebhooksFunction implements RequestHandler<SQSEvent, SQSBatchResponse> {

    @Inject
    WebhookDeliveries deliveries;

    @Override
    public SQSBatchResponse handleRequest(SQSEvent batch, Context context) {
        return deliveries.deliver(batch);
    }
}
