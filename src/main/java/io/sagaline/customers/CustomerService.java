package io.sagaline.customers;

import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.customers.CustomerApi.CreateCustomer;
import io.sagaline.customers.CustomerApi.CustomerView;
import io.sagaline.platform.Ids;
import io.sagaline.platform.Reactive;
import io.sagaline.platform.audit.AuditLog;
import io.sagaline.platform.crypto.DataKeyStore;
import io.sagaline.platform.crypto.PersonalData;
import io.sagaline.platform.messaging.Envelope;
import io.sagaline.platform.messaging.Outbox;
import io.smallrye.mutiny.Uni;

/**
 * Customers and their credit limits. A customer's name and e-mail address are stored sealed under
 * the customer's own data key ({@link PersonalData}), the address also as its blind index. A new
 * customer is announced (CustomerRegistered, through the customers outbox, in the transaction that
 * stores it) with its personal data still sealed and its data key wrapped: the notifications
 * service learns whom to write to, and no queue or outbox holds the data in clear.
 */
@ApplicationScoped
public class CustomerService {

    static final String SCHEMA = "customers";
    /** CustomerRegistered's version: 2 carries the personal data sealed ({@code personalData}); 1 carried it in clear. */
    static final int REGISTERED_VERSION = 2;
    /**
     * The encryption context of a registration's own data key: the message carries the personal data
     * sealed under a key made for it alone, so that the notifications service, which may unwrap
     * that (and nothing of the customers service's), never holds a key of the customers' table.
     */
    public static final String REGISTRATIONS = "customer-registrations";

    private final Outbox outbox;
    private final ObjectMapper json;
    private final AuditLog audit;
    private final PersonalData personalData;
    private final DataKeyStore dataKeys;

    CustomerService(Outbox outbox, ObjectMapper json, AuditLog audit, PersonalData personalData, DataKeyStore dataKeys) {
        this.outbox = outbox;
        this.json = json;
        this.audit = audit;
        this.personalData = personalData;
        this.dataKeys = dataKeys;
    }

    static PersonalData.Subject subject(String tenant, UUID customer) {
        return new PersonalData.Subject(SCHEMA, tenant, customer.toString());
    }

    /** A new customer of {@code by}'s tenant; its registration is audited in the transaction that stores it. */
    public CustomerView create(AuditLog.Actor by, CreateCustomer request) {
        String tenant = by.tenant();
        String name = request.name().strip();
        String email = request.email().strip();
        Customer customer = new Customer();
        customer.id = UUID.randomUUID();
        customer.tenant = tenant;
        // made before the transaction: asking KMS never holds a connection
        PersonalData.Key key = personalData.newKey(subject(tenant, customer.id));
        PersonalData.Key message = personalData.newKey(new PersonalData.Subject(REGISTRATIONS, tenant, customer.id.toString()));
        seal(customer, key, dataKeys.indexKey(SCHEMA, tenant), name, email);
        customer.creditLimitCents = request.creditLimitCents();
        customer.availableCreditCents = request.creditLimitCents();
        customer.createdAt = OffsetDateTime.now();
        Base64.Encoder b64 = Base64.getEncoder();
        ObjectNode payload = json.createObjectNode().put("customerId", customer.id.toString());
        payload.putObject("personalData").put("service", REGISTRATIONS).put("masterKeyId", message.masterKeyId())
                .put("dataKey", b64.encodeToString(message.wrapped()))
                .put("name", b64.encodeToString(message.seal("name", name)))
                .put("email", b64.encodeToString(message.seal("email", email)));
        Envelope registered = new Envelope(UUID.randomUUID(), "CustomerRegistered", REGISTERED_VERSION, tenant,
                customer.id.toString(), null, customer.createdAt.toInstant(), payload);
        Reactive.inTransaction(() -> dataKeys.add(key).chain(() -> customer.<Customer> persist())
                .chain(() -> outbox.add(SCHEMA, registered))
                .chain(() -> audit.record(by, "create-customer", resource(customer.id.toString()),
                        AuditLog.Outcome.SUCCEEDED)));
        outbox.publish(SCHEMA, List.of(registered));
        return CustomerView.of(customer, name, email);
    }

    /** The customer {@code customerId} of {@code by}'s tenant; the read (or the miss) is audited in its transaction. */
    public Optional<CustomerView> find(AuditLog.Actor by, String customerId) {
        Optional<UUID> id = Ids.uuid(customerId);
        Found found = Reactive.inTransaction(() -> (id.isEmpty() ? Uni.createFrom().<Customer> nullItem()
                : known(by.tenant(), id.get()).firstResult())
                .chain(customer -> customer == null ? Uni.createFrom().item(new Found(null, Optional.empty()))
                        : dataKeys.find(subject(by.tenant(), customer.id)).map(key -> new Found(customer, key)))
                .call(f -> audit.record(by, "get-customer", resource(customerId),
                        f.customer() == null ? AuditLog.Outcome.NOT_FOUND : AuditLog.Outcome.SUCCEEDED)));
        if (found.customer() == null) {
            return Optional.empty();
        }
        Customer c = found.customer();
        if (c.nameSealed == null) { // written before V15, not yet sealed by reseal-customers-data
            return Optional.of(CustomerView.of(c, c.name, c.email));
        }
        DataKeyStore.Stored stored = found.key().orElseThrow(
                () -> new IllegalStateException("customer " + c.id + " has sealed data but no data key"));
        PersonalData.Key key = personalData.key(subject(c.tenant, c.id), stored.wrapped(), stored.masterKeyId());
        return Optional.of(CustomerView.of(c, key.open("name", c.nameSealed), key.open("email", c.emailSealed)));
    }

    private record Found(Customer customer, Optional<DataKeyStore.Stored> key) {
    }

    /** The customer {@code id} of {@code tenant} if the API still knows it (not erased). */
    private static io.quarkus.hibernate.reactive.panache.PanacheQuery<Customer> known(String tenant, UUID id) {
        return Customer.find("tenant = ?1 and id = ?2 and erasedAt is null", tenant, id);
    }

    /**
     * Erases the customer {@code customerId} of {@code by}'s tenant (the right to erasure), in one
     * transaction: its data key is deleted (crypto-shredding: what it sealed opens nowhere, in no
     * backup either once they age out), its sealed fields and blind index are cleared, its
     * registration in the outbox is stripped of them, and CustomerErased tells the services that
     * copied them to do the same. The row stays, with its credit, so that orders and credit stay
     * consistent; the API knows the customer no more (404), and a saga that reaches ReserveCredit
     * after this is rejected (UNKNOWN_CUSTOMER). Audited, a miss too. False if there is no such customer.
     */
    public boolean erase(AuditLog.Actor by, String customerId) {
        Optional<UUID> id = Ids.uuid(customerId);
        Envelope erased = new Envelope(UUID.randomUUID(), "CustomerErased", 1, by.tenant(), customerId, by.requestId(),
                java.time.Instant.now(), json.createObjectNode().put("customerId", customerId));
        boolean done = Reactive.inTransaction(() -> (id.isEmpty() ? Uni.createFrom().<Customer> nullItem()
                : known(by.tenant(), id.get()).withLock(jakarta.persistence.LockModeType.PESSIMISTIC_WRITE).firstResult())
                .chain(c -> c == null
                        ? audit.record(by, "delete-customer", resource(customerId), AuditLog.Outcome.NOT_FOUND)
                                .replaceWith(false)
                        : dataKeys.shred(subject(c.tenant, c.id)).invoke(() -> {
                            c.name = null;
                            c.email = null;
                            c.nameSealed = null;
                            c.emailSealed = null;
                            c.emailIndex = null;
                            c.erasedAt = OffsetDateTime.now();
                        }).chain(() -> io.sagaline.platform.Sql.execute(
                                """
                                        update customers.outbox set body = cast(jsonb_set(cast(body as jsonb), array['payload'],
                                            jsonb_build_object('customerId', cast(?2 as text), 'erased', true)) as text)
                                        where tenant = ?1 and type = 'CustomerRegistered'
                                          and cast(body as jsonb) -> 'payload' ->> 'customerId' = cast(?2 as text)""",
                                c.tenant, customerId))
                                .chain(() -> outbox.add(SCHEMA, erased))
                                .chain(() -> audit.record(by, "delete-customer", resource(customerId),
                                        AuditLog.Outcome.SUCCEEDED))
                                .replaceWith(true)));
        if (done) {
            personalData.forget(subject(by.tenant(), id.get()));
            outbox.publish(SCHEMA, List.of(erased));
        }
        return done;
    }

    /** Seals {@code name} and {@code email} into {@code customer} under {@code key}, and indexes the address. */
    static void seal(Customer customer, PersonalData.Key key, PersonalData.Key index, String name, String email) {
        customer.nameSealed = key.seal("name", name);
        customer.emailSealed = key.seal("email", email);
        customer.emailIndex = PersonalData.blindIndex(index, "email", email);
        customer.name = null;
        customer.email = null;
    }

    private static String resource(String customerId) {
        return "customers/" + customerId;
    }
}
