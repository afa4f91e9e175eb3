package io.sagaline.customers;

import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagaline.customers.CustomerApi.CreateCustomer;
import io.sagaline.customers.CustomerApi.CustomerView;
import io.sagaline.platform.Ids;
import io.sagaline.platform.Reactive;

@ApplicationScoped
public class CustomerService {

    public CustomerView create(String tenant, CreateCustomer request) {
        Customer customer = new Customer();
        customer.id = UUID.randomUUID();
        customer.tenant = tenant;
        customer.name = request.name().strip();
        customer.email = request.email().strip();
        customer.creditLimitCents = request.creditLimitCents();
        customer.availableCreditCents = request.creditLimitCents();
        customer.createdAt = OffsetDateTime.now();
        Reactive.inTransaction(() -> customer.<Customer> persist());
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
