package io.sagaline.customers;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagaline.customers.CustomerApi.CreateCustomer;
import io.sagaline.customers.CustomerApi.CustomerView;
import io.sagaline.platform.Ids;
import io.sagaline.platform.Reactive;
import io.sagaline.platform.audit.AuditLog;
import io.sagaline.platform.messaging.Envelope;
import io.sagaline.platform.messaging.Outbox;
import io.smallrye.mutiny.Uni;

/**
 * Customers and their credit limits. A new customer is announced (CustomerRegistered, through the
 * customers outbox, in the transaction that stores it): the notifications service learns whom to
 * write to.
 */
@ApplicationScoped
public class CustomerService {

    static final String SCHEMA = "customers";

    private final Outbox outbox;
    private final ObjectMapper json;
    private final AuditLog audit;

    CustomerService(Outbox outbox, ObjectMapper json, AuditLog audit) {
        this.outbox = outbox;
        this.json = json;
        this.audit = audit;
    }

    /** A new customer of {@code by}'s tenant; its registration is audited in the transaction that stores it. */
    public CustomerView create(AuditLog.Actor by, CreateCustomer request) {
        String tenant = by.tenant();
        Customer customer = new Customer();
        customer.id = UUID.randomUUID();
        customer.tenant = tenant;
        customer.name = request.name().strip();
        customer.email = request.email().strip();
        customer.creditLimitCents = request.creditLimitCents();
        customer.availableCreditCents = request.creditLimitCents();
        customer.createdAt = OffsetDateTime.now();
        Envelope registered = new Envelope(UUID.randomUUID(), "CustomerRegistered", 1, tenant, customer.id.toString(),
                null, customer.createdAt.toInstant(), json.createObjectNode().put("customerId", customer.id.toString())
                        .put("name", customer.name).put("email", customer.email));
        Reactive.inTransaction(() -> customer.<Customer> persist().chain(() -> outbox.add(SCHEMA, registered))
                .chain(() -> audit.record(by, "create-customer", resource(customer.id.toString()),
                        AuditLog.Outcome.SUCCEEDED)));
        outbox.publish(SCHEMA, List.of(registered));
        return CustomerView.of(customer);
    }

    /** The customer {@code customerId} of {@code by}'s tenant; the read (or the miss) is audited in its transaction. */
    public Optional<CustomerView> find(AuditLog.Actor by, String customerId) {
        Optional<java.util.UUID> id = Ids.uuid(customerId);
        Customer customer = Reactive.inTransaction(() -> (id.isEmpty() ? Uni.createFrom().<Customer> nullItem()
                : Customer.<Customer> find("tenant = ?1 and id = ?2", by.tenant(), id.get()).firstResult())
                .call(found -> audit.record(by, "get-customer", resource(customerId),
                        found == null ? AuditLog.Outcome.NOT_FOUND : AuditLog.Outcome.SUCCEEDED)));
        return Optional.ofNullable(customer).map(CustomerView::of);
    }

    private static String resource(String customerId) {
        return "customers/" + customerId;
    }
}
