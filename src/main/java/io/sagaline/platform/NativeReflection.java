package io.sagaline.platform;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The types Jackson reads or writes by reflection outside a handler's signature (Quarkus registers
 * those by itself): HTTP response bodies, the message envelope, the operators' answers (API keys, the audit log's verdict, the
 * rotation's counts), the catalog. A native image
 * knows
 * of no others; {@code packaging/check-packages.sh} checks they reach its reflection configuration.
 */
@RegisterForReflection(targets = {
        io.sagaline.platform.http.Problem.class,
        io.sagaline.platform.http.Problem.FieldError.class,
        io.sagaline.customers.CustomerApi.CustomerView.class,
        io.sagaline.inventory.ProductApi.ProductView.class,
        io.sagaline.orders.OrderApi.OrderAccepted.class,
        io.sagaline.orders.OrderApi.OrderView.class,
        io.sagaline.orders.OrderApi.LineView.class,
        io.sagaline.orders.OrderApi.Quote.class,
        io.sagaline.orders.OrderApi.QuotedLine.class,
        io.sagaline.orders.CancelOrderFunction.CancellationAccepted.class,
        io.sagaline.orders.GetOrderEventsFunction.Stream.class,
        io.sagaline.orders.GetOrderEventsFunction.EventView.class,
        io.sagaline.invoices.InvoiceService.Invoice.class,
        io.sagaline.invoices.InvoiceService.InvoiceLine.class,
        io.sagaline.campaigns.CampaignApi.CampaignView.class,
        io.sagaline.campaigns.CampaignApi.EventView.class,
        io.sagaline.campaigns.CampaignApi.CampaignPage.class,
        io.sagaline.campaigns.CampaignApi.EventPage.class,
        io.sagaline.platform.messaging.Envelope.class,
        io.sagaline.access.ApiKeys.Issued.class,
        io.sagaline.access.ApiKeys.Listed.class,
        io.sagaline.audit.AuditApi.Entry.class,
        io.sagaline.audit.AuditApi.EntryPage.class,
        io.sagaline.audit.AuditService.Verification.class,
        io.sagaline.audit.AuditService.Verification.Chain.class,
        io.sagaline.customers.CustomerResealing.Resealed.class,
        io.sagaline.notifications.NotificationResealing.Resealed.class,
        Catalog.class,
        Catalog.Authorizer.class,
        Catalog.Function.class,
        Catalog.Trigger.class,
        Catalog.Queue.class,
        Catalog.StateMachine.class,
})
public final class NativeReflection {

    private NativeReflection() {
    }
}
