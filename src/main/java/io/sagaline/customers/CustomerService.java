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
import io.sagaline.platform.messaging.Envelope;
import io.sagaline.platform.messaging.Outbox;

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

    CustomerService(Outbox outbox, ObjectMapper json) {
        this.outbox = outbox;
        this.json = json;
    }

    public CustomerView create(String tenant, CreateCustomer request) {
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
        Reactive.inTransaction(() -> customer.<Customer> persist().chain(() -> outbox.add(SCHEMA, registered)));
        outbox.publish(SCHEMA, List.of(registered));
        return CustomerView.of(customer);
    }

    public Optional<CustomerView> find(String tenant, String customerId) {
        return Ids.uuid(customerId).map(id -> {
            Customer customer = Reactive.inTransaction(
                    () -> Customer.<Customer> find("tenant = ?1 and id = ?2", tenant, id).firstResult());
            return customer == null ? null : CustomerView.of(customer);
        });
    }
}
