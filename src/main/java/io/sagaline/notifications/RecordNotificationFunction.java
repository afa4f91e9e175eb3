package io.sagaline.notifications;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;

import io.sagaline.platform.messaging.Inbox;

/**
 * Queue consumer: OrderApproved, OrderRejected, OrderCancelled -> the customer's notification,
 * recorded once per message, then delivered (with any earlier one still waiting).
 */
@Named("record-notification")
public class RecordNotificationFunction implements RequestHandler<SQSEvent, SQSBatchResponse> {

    @Inject
    Inbox inbox;
    @Inject
    NotificationService notifications;

    @Override
    public SQSBatchResponse handleRequest(SQSEvent batch, Context context) {
        SQSBatchResponse response = inbox.consume("notifications", "record-notification", batch, notifications::record);
        notifications.deliverPending();
        return response;
    }
}
