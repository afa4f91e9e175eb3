package io.sagaline.notifications;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;

import io.sagaline.platform.messaging.Inbox;

/**
 * Queue consumer: CustomerRegistered -> whom the notifications service writes to; notifications
 * that were waiting for the address go out.
 */
@Named("record-customer-contact")
public class RecordCustomerContactFunction implements RequestHandler<SQSEvent, SQSBatchResponse> {

    @Inject
    Inbox inbox;
    @Inject
    NotificationService notifications;

    @Override
    public SQSBatchResponse handleRequest(SQSEvent batch, Context context) {
        SQSBatchResponse response = inbox.consumePrepared("notifications", "record-customer-contact", batch, message -> {
            if (!"CustomerRegistered".equals(message.type())) {
                throw new IllegalArgumentException("record-customer-contact takes CustomerRegistered, not " + message.type());
            }
            NotificationService.Recipient recipient = notifications.recipient(message);
            return () -> notifications.recordRecipient(recipient);
        });
        notifications.deliverPending();
        return response;
    }
}
