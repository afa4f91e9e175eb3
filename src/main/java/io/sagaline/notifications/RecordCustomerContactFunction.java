package io.sagaline.notifications;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;

import io.sagaline.platform.messaging.Inbox;
import io.smallrye.mutiny.Uni;

/**
 * Queue consumer: CustomerRegistered -> whom the notifications service writes to; notifications
 * that were waiting for the address go out. CustomerErased -> all of it erased.
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
            switch (message.type()) {
                case "CustomerRegistered" -> {
                    NotificationService.Recipient recipient = notifications.recipient(message);
                    return () -> recipient == null ? Uni.createFrom().voidItem() : notifications.recordRecipient(recipient);
                }
                case "CustomerErased" -> {
                    notifications.forget(message);
                    return () -> notifications.erase(message);
                }
                default -> throw new IllegalArgumentException(
                        "record-customer-contact takes CustomerRegistered and CustomerErased, not " + message.type());
            }
        });
        notifications.deliverPending();
        return response;
    }
}
