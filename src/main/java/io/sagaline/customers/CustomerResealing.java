package io.sagaline.customers;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagaline.platform.Reactive;
import io.sagaline.platform.crypto.DataKeyStore;
import io.sagaline.platform.crypto.PersonalData;

/**
 * The customers' part of the background rotation: seals the names and addresses still in clear
 * (rows written before V15), then re-wraps under the current master key every data key another one
 * wrapped. A page at a time, each row in its own short transaction, so reads and writes go on
 * meanwhile; a row changed between the read and the write is left for the next run.
 */
@ApplicationScoped
public class CustomerResealing {

    private static final int PAGE = 100;

    private final PersonalData personalData;
    private final DataKeyStore dataKeys;

    CustomerResealing(PersonalData personalData, DataKeyStore dataKeys) {
        this.personalData = personalData;
        this.dataKeys = dataKeys;
    }

    /** What a run did, and how many data keys are still under another master key (0: the rotation is done). */
    public record Resealed(int sealed, int rewrapped, long stale) {
    }

    public Resealed reseal() {
        int sealed = 0;
        List<Customer> clear;
        do {
            clear = Reactive.inTransaction(() -> Customer.<Customer> find("name is not null or email is not null order by id")
                    .page(0, PAGE).list());
            int before = sealed;
            for (Customer c : clear) {
                String name = c.name;
                String email = c.email;
                CustomerService.seal(c, dataKeys.keyOf(CustomerService.subject(c.tenant, c.id)),
                        dataKeys.indexKey(CustomerService.SCHEMA, c.tenant), name, email);
                sealed += Reactive.inTransaction(() -> Customer.update("name = null, email = null, nameSealed = ?1,"
                        + " emailSealed = ?2, emailIndex = ?3 where tenant = ?4 and id = ?5 and name = ?6 and email = ?7",
                        c.nameSealed, c.emailSealed, c.emailIndex, c.tenant, c.id, name, email));
            }
            if (sealed == before) {
                break; // every row of the page changed meanwhile: the next run takes them
            }
        } while (clear.size() == PAGE);
        int rewrapped = dataKeys.rewrap(CustomerService.SCHEMA, PAGE);
        return new Resealed(sealed, rewrapped, dataKeys.stale(CustomerService.SCHEMA));
    }
}
