package io.sagaline.customers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.local.LocalFunctions;
import io.sagaline.platform.crypto.DataKeyStore;
import io.sagaline.platform.crypto.LocalMasterKey;
import io.sagaline.platform.crypto.MasterKey;
import io.sagaline.platform.crypto.PersonalData;
import io.sagaline.support.Api;
import io.sagaline.support.Db;

/**
 * Personal data at rest: a customer's name and e-mail address are in no table, outbox or log in
 * clear, yet read back whole through the API; a sealed value opens only where it was sealed; the
 * address's blind index is a keyed hash; rows written in clear before V15 are sealed by the
 * rotation, which also re-wraps every data key under a new master key without a read failing.
 */
@QuarkusTest
class PersonalDataTest {

    @Inject
    AgroalDataSource dataSource;
    @Inject
    LocalFunctions functions;
    @Inject
    ObjectMapper json;
    @Inject
    PersonalData personalData;
    @Inject
    DataKeyStore dataKeys;
    @ConfigProperty(name = "sagaline.crypto.local-master-keys")
    String configuredMasterKeys;

    @Test
    void aCustomersNameAndAddress_areInNoTableNoOutboxAndNoLogLine_inClear_yetReadBackWhole() throws Exception {
        String marker = UUID.randomUUID().toString().substring(0, 8);
        String name = "Zelda Quill-" + marker;
        String email = "zelda." + marker + "@example.com";
        List<String> logged = new CopyOnWriteArrayList<>();
        Handler everyLine = new Handler() {
            @Override
            public void publish(LogRecord r) {
                StringBuilder line = new StringBuilder(String.valueOf(r.getMessage()));
                if (r.getParameters() != null) {
                    for (Object p : r.getParameters()) {
                        line.append(' ').append(p);
                    }
                }
                for (Throwable t = r.getThrown(); t != null; t = t.getCause()) {
                    line.append(' ').append(t);
                }
                line.append(' ').append(org.jboss.logging.MDC.getMap());
                logged.add(line.toString());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger root = Logger.getLogger("");
        root.addHandler(everyLine);
        String customer;
        try {
            customer = Api.send("POST", "/customers", Map.of("name", name, "email", email, "creditLimitCents", 10_000), 201)
                    .get("customerId").asText();
            JsonNode read = Api.get("/customers/" + customer, 200);
            assertThat(read.get("name").asText()).isEqualTo(name);
            assertThat(read.get("email").asText()).isEqualTo(email);
            // its orders' notifications go to the address: the copy is made, and sent, sealed
            String order = Api.placeOrder(customer, "tok_ok", Api.newProduct(100, 5), 1);
            Api.awaitDecided(order);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> !db().rows(
                    "select 1 from notifications.notifications where order_id = ?::uuid and status = 'RECORDED'", order)
                    .isEmpty());
            // a refused body (a malformed address) does not quote it back
            JsonNode refused = Api.send("POST", "/customers",
                    Map.of("name", name, "email", "not-an-address-" + marker, "creditLimitCents", 1), 400);
            assertThat(refused.toString()).doesNotContain("not-an-address-" + marker);
        } finally {
            root.removeHandler(everyLine);
        }
        assertThat(db().row("select name, email from customers.customers where id = ?::uuid", customer))
                .containsEntry("name", null).containsEntry("email", null);
        for (String table : db().everyTable()) {
            assertThat(db().rows("select 1 from " + table + " t where t::text ilike ? or t::text ilike ?", "%" + marker + "%",
                    "%" + hex(marker) + "%")).as(table + " holds the name or the address in clear").isEmpty();
        }
        assertThat(logged).as("log lines").isNotEmpty().noneMatch(line -> line.contains(marker));
    }

    @Test
    void aSealedValue_opensOnlyUnderItsOwnCustomerFieldAndTenant() {
        PersonalData.Key ada = personalData.newKey(new PersonalData.Subject("customers", "demo", UUID.randomUUID().toString()));
        PersonalData.Key bob = personalData.newKey(new PersonalData.Subject("customers", "demo", UUID.randomUUID().toString()));
        byte[] sealed = ada.seal("email", "ada@example.com");
        assertThat(ada.open("email", sealed)).isEqualTo("ada@example.com");
        assertThatThrownBy(() -> ada.open("name", sealed)).hasMessageContaining("does not open");
        assertThatThrownBy(() -> bob.open("email", sealed)).hasMessageContaining("does not open");
        // the same data key unwrapped for another tenant or service: its context no longer matches
        for (PersonalData.Subject elsewhere : List.of(new PersonalData.Subject("customers", "other", ada.subject().subject()),
                new PersonalData.Subject("notifications", "demo", ada.subject().subject()))) {
            assertThatThrownBy(() -> personalData.key(elsewhere, ada.wrapped(), ada.masterKeyId()))
                    .hasMessageContaining("does not open");
        }
        byte[] flipped = sealed.clone();
        flipped[flipped.length - 1] ^= 1;
        assertThatThrownBy(() -> ada.open("email", flipped)).hasMessageContaining("does not open");
        assertThat(ada.seal("email", "ada@example.com")).as("a fresh nonce each time").isNotEqualTo(sealed);
    }

    @Test
    void anAddressesBlindIndex_isItsKeyedHash_theSameForAnyCase_andAnotherInAnotherTenant() {
        String marker = UUID.randomUUID().toString().substring(0, 8);
        String customer = Api.send("POST", "/customers",
                Map.of("name", "Index", "email", "Mixed.Case." + marker + "@Example.com", "creditLimitCents", 1), 201)
                .get("customerId").asText();
        byte[] stored = (byte[]) db().row("select email_index from customers.customers where id = ?::uuid", customer)
                .get("email_index");
        PersonalData.Key demo = dataKeys.indexKey("customers", "demo");
        assertThat(stored).isEqualTo(PersonalData.blindIndex(demo, "email", "mixed.case." + marker + "@example.com"))
                .isNotEqualTo(PersonalData.blindIndex(dataKeys.indexKey("customers", "other"), "email",
                        "mixed.case." + marker + "@example.com"));
        assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain(marker);
    }

    @Test
    void aRowWrittenInClearBeforeV15_isSealedByTheRotation_andReadsTheSameBeforeAndAfter() {
        String id = UUID.randomUUID().toString();
        db().update("insert into customers.customers (id, tenant, name, email, credit_limit_cents, available_credit_cents)"
                + " values (?::uuid, 'demo', 'Old Timer', 'old.timer@example.com', 500, 500)", id);
        assertThat(Api.get("/customers/" + id, 200).get("email").asText()).isEqualTo("old.timer@example.com");
        invoke("reseal-customers-data"); // the schedule may have been first: either way it is sealed now
        assertThat(db().row("select name, email, name_sealed is not null as sealed from customers.customers where id = ?::uuid",
                id)).containsEntry("name", null).containsEntry("email", null).containsEntry("sealed", true);
        JsonNode read = Api.get("/customers/" + id, 200);
        assertThat(read.get("name").asText()).isEqualTo("Old Timer");
        assertThat(read.get("email").asText()).isEqualTo("old.timer@example.com");
    }

    @Test
    void aNewMasterKey_reWrapsEveryDataKeyInTheBackground_andEveryCustomerStillReads() {
        String customer = Api.newCustomer(100);
        String current = personalData.master().currentId();
        byte[] fresh = new byte[32];
        new java.security.SecureRandom().nextBytes(fresh);
        String next = "next-" + UUID.randomUUID().toString().substring(0, 8) + "=" + Base64.getEncoder().encodeToString(fresh);
        try {
            QuarkusMock.installMockForType(new LocalMasterKey(next + "," + configuredMasterKeys), MasterKey.class);
            String nextId = personalData.master().currentId();
            assertThat(nextId).isNotEqualTo(current);
            // reads go on while the keys are re-wrapped
            assertThat(Api.get("/customers/" + customer, 200).get("name").asText()).isEqualTo("Ada");
            invoke("reseal-customers-data");
            invoke("reseal-notifications-data");
            for (String service : List.of("customers", "notifications")) {
                assertThat(db().rows("select master_key_id from " + service + ".data_keys where master_key_id <> ?", nextId))
                        .as(service + "'s data keys under the old master key").isEmpty();
            }
            assertThat(Api.get("/customers/" + customer, 200).get("name").asText()).isEqualTo("Ada");
        } finally {
            // back under the configured key, which the rest of the run knows
            QuarkusMock.installMockForType(new LocalMasterKey(configuredMasterKeys + "," + next), MasterKey.class);
            invoke("reseal-customers-data");
            invoke("reseal-notifications-data");
        }
        assertThat(db().rows("select 1 from customers.data_keys where master_key_id <> ?", current)).isEmpty();
    }

    private JsonNode invoke(String function) {
        try {
            return json.readTree(functions.invoke(function, "{}".getBytes()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String hex(String text) {
        return java.util.HexFormat.of().formatHex(text.getBytes(StandardCharsets.UTF_8));
    }

    private Db db() {
        return new Db(dataSource);
    }
}
