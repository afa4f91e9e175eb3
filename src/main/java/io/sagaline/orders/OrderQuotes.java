package io.sagaline.orders;

import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.orders.OrderApi.Quote;
import io.sagaline.orders.OrderApi.QuoteOrder;
import io.sagaline.orders.OrderApi.QuoteVerdict;
import io.sagaline.orders.OrderApi.QuotedLine;
import io.sagaline.platform.audit.AuditLog;

/**
 * Quotes an order: runs the QuoteOrder EXPRESS state machine (stock, then credit, as PlaceOrder
 * decides them) and answers what placing it would decide now, payment aside. Nothing is reserved.
 * Audited, since the answer says something of the customer's credit: an entry per quote, on the
 * customer, {@code NOT_FOUND} if there is no such customer; an answer that cannot be audited is not given.
 */
@ApplicationScoped
public class OrderQuotes {

    private final QuoteOrderWorkflow workflow;
    private final ObjectMapper json;
    private final AuditLog audit;

    OrderQuotes(QuoteOrderWorkflow workflow, ObjectMapper json, AuditLog audit) {
        this.workflow = workflow;
        this.json = json;
        this.audit = audit;
    }

    public Quote quote(AuditLog.Actor by, QuoteOrder request) {
        OrderService.requireDistinctSkus(request.items());
        ObjectNode input = json.createObjectNode().put("tenant", by.tenant()).put("customerId", request.customerId());
        var items = input.putArray("items");
        request.items().forEach(i -> items.addObject().put("sku", i.sku()).put("quantity", i.quantity()));
        JsonNode output = parse(workflow.run(input.toString()));
        JsonNode stock = output.path("stock");
        JsonNode credit = output.path("credit");
        List<QuotedLine> lines = new java.util.ArrayList<>();
        for (JsonNode line : stock.path("lines")) {
            lines.add(new QuotedLine(line.path("sku").asText(), line.path("quantity").asLong(),
                    line.path("unitPriceCents").isNumber() ? line.path("unitPriceCents").asLong() : null,
                    line.path("inStock").asBoolean()));
        }
        String reason = stock.path("canBeHad").asBoolean() ? text(credit.path("rejectionReason"))
                : text(stock.path("rejectionReason"));
        if (lines.size() != request.items().size() || (!stock.path("canBeHad").asBoolean() && reason == null)
                || (stock.path("canBeHad").asBoolean() && credit.isMissingNode())) {
            throw new IllegalStateException("the quote-order execution answered a quote that is not one: " + output);
        }
        RejectionReason rejection = reason == null ? null : RejectionReason.valueOf(reason);
        audit.recordAlone(by, "quote-order", "customers/" + request.customerId(),
                rejection == RejectionReason.UNKNOWN_CUSTOMER ? AuditLog.Outcome.NOT_FOUND : AuditLog.Outcome.SUCCEEDED);
        Long total = stock.path("totalCents").isNumber() ? stock.path("totalCents").asLong() : null;
        return new Quote(UUID.fromString(request.customerId()), lines, total,
                rejection == null ? QuoteVerdict.WOULD_APPROVE : QuoteVerdict.WOULD_REJECT, rejection);
    }

    private static String text(JsonNode node) {
        return node.isTextual() ? node.asText() : null;
    }

    private JsonNode parse(String output) {
        try {
            return json.readTree(output);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the quote-order execution's output is not JSON: " + output, e);
        }
    }
}
