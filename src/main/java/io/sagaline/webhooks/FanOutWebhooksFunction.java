package io.sagaline.webhooks;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;

import io.sagaline.platform.messaging.Inbox;

/**
 * Consumes {@code webhooks-order-events} (OrderApproved, OrderRejected, OrderCancelled): records, once
 * per event, a delivery to each subscription of its tenant that wants it, then wakes them. A cue for
 * a delivery whose transaction did not commit finds no delivery and is dropped.
 */
@Named("fan-out-webhooks")
public class FanOutWebhooksFunction implements RequestHandler<SQSEvent, SQSBatchResponse> {

    @Inject
    Inbox inbox;
    @Inject
    WebhookDeliveries deliveries;

    @Override
    public SQSBatchResponse handleRequest(SQSEvent batch, Context context) {
        List<UUID> made = new ArrayList<>();
        SQSBatchResponse response = inbox.consume(WebhookService.SCHEMA, "fan-out-webhooks", batch,
                event -> deliveries.fanOut(event, made));
        deliveries.wake(made);
        return response;
    }
}
