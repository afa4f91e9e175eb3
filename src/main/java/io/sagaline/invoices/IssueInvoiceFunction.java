package io.sagaline.invoices;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;

import io.sagaline.platform.messaging.Inbox;

/** Queue consumer: OrderApproved -> an invoice, once per message, numbered without gaps per tenant. */
@Named("issue-invoice")
public class IssueInvoiceFunction implements RequestHandler<SQSEvent, SQSBatchResponse> {

    @Inject
    Inbox inbox;
    @Inject
    InvoiceService invoices;

    @Override
    public SQSBatchResponse handleRequest(SQSEvent batch, Context context) {
        return inbox.consume("invoices", "issue-invoice", batch, message -> {
            if (!"OrderApproved".equals(message.type())) {
                throw new IllegalArgumentException("issue-invoice takes OrderApproved, not " + message.type());
            }
            return invoices.issue(message);
        });
    }
}
