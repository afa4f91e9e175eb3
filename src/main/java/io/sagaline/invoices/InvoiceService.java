package io.sagaline.invoices;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagaline.platform.Ids;
import io.sagaline.platform.Reactive;
import io.sagaline.platform.Sql;
import io.sagaline.platform.audit.AuditLog;
import io.sagaline.platform.messaging.Envelope;
import io.smallrye.mutiny.Uni;

/**
 * Issues an invoice for every approved order. Numbers are per tenant, from 1, with no gap and no
 * duplicate: the next number is taken from the tenant's counter row, which stays locked until the
 * invoice commits, and a rolled-back invoice takes its number back with it.
 */
@ApplicationScoped
public class InvoiceService {

    public record InvoiceLine(String sku, long quantity, long unitPriceCents) {
    }

    public record Invoice(long invoiceNumber, String orderId, String customerId, List<InvoiceLine> lines, long totalCents,
            Instant issuedAt) {
    }

    private final ObjectMapper json;
    private final AuditLog audit;

    InvoiceService(ObjectMapper json, AuditLog audit) {
        this.json = json;
        this.audit = audit;
    }

    /** Issues the invoice OrderApproved asks for, in the caller's transaction; nothing if the order has one. */
    public Uni<Void> issue(Envelope orderApproved) {
        JsonNode p = orderApproved.payload();
        UUID orderId = UUID.fromString(p.path("orderId").asText());
        UUID customerId = UUID.fromString(p.path("customerId").asText());
        if (!p.path("lines").isArray() || !p.hasNonNull("totalCents")) {
            throw new IllegalArgumentException("OrderApproved " + orderApproved.id() + " carries no priced lines");
        }
        // One statement: the next number is taken only if the order has no invoice yet, and the
        // invoice is written with it (a native select would miss Hibernate's plan cache every time).
        return Sql.execute("""
                with next as (
                    insert into invoices.invoice_counters (tenant, last_number)
                    select ?1, 1 where not exists (select 1 from invoices.invoices where tenant = ?1 and order_id = ?2)
                    on conflict (tenant) do update set last_number = invoice_counters.last_number + 1
                    returning last_number)
                insert into invoices.invoices (tenant, number, order_id, customer_id, total_cents, lines, issued_at, message_id)
                select ?1, next.last_number, ?2, ?3, ?4, cast(cast(?5 as text) as jsonb), ?6, ?7 from next""",
                orderApproved.tenant(), orderId, customerId, p.path("totalCents").asLong(), write(p.path("lines")),
                OffsetDateTime.now(ZoneOffset.UTC), orderApproved.id()).replaceWithVoid();
    }

    /** The invoice of an order, once issued; its read (or miss) audited in its transaction, as {@code by}. */
    public Optional<Invoice> forOrder(AuditLog.Actor by, String orderId) {
        Optional<UUID> id = Ids.uuid(orderId);
        return Optional.ofNullable(Reactive.inTransaction(() -> (id.isEmpty() ? Uni.createFrom().<Invoice> nullItem()
                : find(by.tenant(), id.get()))
                .call(found -> audit.record(by, "get-order-invoice", "orders/" + orderId + "/invoice",
                        found == null ? AuditLog.Outcome.NOT_FOUND : AuditLog.Outcome.SUCCEEDED))));
    }

    /** The invoice of an order, in the current transaction; null if none. */
    Uni<Invoice> find(String tenant, UUID order) {
        return Sql.rows("""
                select number, order_id, customer_id, cast(lines as text), total_cents, issued_at
                from invoices.invoices where tenant = ?1 and order_id = ?2""", tenant, order)
                .map(rows -> rows.isEmpty() ? null : invoice(rows.get(0)));
    }

    private Invoice invoice(Object[] row) {
        try {
            List<InvoiceLine> lines = List.of(json.readValue((String) row[3], InvoiceLine[].class));
            return new Invoice(((Number) row[0]).longValue(), row[1].toString(), row[2].toString(), lines,
                    ((Number) row[4]).longValue(), Sql.instant(row[5]));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private String write(JsonNode node) {
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
