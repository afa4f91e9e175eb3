package io.sagaline.customers;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

import io.sagaline.customers.CreditService.CreditQuoted;

/** QuoteOrder step QuoteCredit: whether the customer exists and its available credit covers the amount; reserves nothing. */
@Named("quote-credit")
public class QuoteCreditFunction implements RequestHandler<QuoteCreditFunction.Task, CreditQuoted> {

    public record Task(String tenant, String customerId, long amountCents) {
    }

    @Inject
    CreditService credit;

    @Override
    public CreditQuoted handleRequest(Task task, Context context) {
        return credit.quote(task.tenant(), task.customerId(), task.amountCents());
    }
}
