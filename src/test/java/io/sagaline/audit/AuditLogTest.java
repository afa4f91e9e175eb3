package io.sagaline.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.local.LocalFunctions;
import io.sagaline.platform.Reactive;
import io.sagaline.platform.audit.AuditLog;
import io.sagaline.platform.database.DatabasePreparation;
import io.sagaline.support.Api;
import io.sagaline.support.Db;

/**
 * The audit log: every read and registration of a customer, every refusal of a personal-data route
 * and every key operation is an entry (who, what, when, outcome, request id), written in the
 * transaction of what it records; {@code GET /audit} pages through a tenant's entries; no service
 * role may change or remove one, and a change or removal made around the database's rules is found
 * by verify-audit-log.
 */
@QuarkusTest
class AuditLogTest {

    /** The demo seed key's id (KeySeeds: a name-based UUID of the key). */
    private static final String DEMO_KEY_ID = UUID.nameUUIDFromBytes(("seed:" + Api.DEMO_KEY).getBytes()).toString();

    @Inject
    LocalFunctions functions;
    @Inject
    ObjectMapper json;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    AuditLog audit;
    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String jdbcUrl;

    private JsonNode invoke(String function, Map<String, Object> input) {
        try {
            return json.readTree(functions.invoke(function, json.writeValueAsBytes(input)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String key(String tenant, String... scopes) {
        return invoke("manage-api-keys", Map.of("action", "create", "tenant", tenant, "name", "audit test", "scopes",
                List.of(scopes))).get("apiKey").asText();
    }

    private static JsonNode entries(String query) {
        return Api.get("/audit?" + query, 200).get("items");
    }

    @Test
    void readingAndRegisteringACustomer_areEntries_withTheKeyTheRequestAndTheOutcome_andAMissToo() {
        String customer = Api.newCustomer(1_000);
        Api.get("/customers/" + customer, 200);
        String unknown = UUID.randomUUID().toString();
        Api.get("/customers/" + unknown, 404);

        JsonNode mine = entries("resource=customers/" + customer);
        assertThat(mine).hasSize(2);
        JsonNode read = mine.get(0); // newest first
        assertThat(read.get("operation").asText()).isEqualTo("get-customer");
        assertThat(read.get("outcome").asText()).isEqualTo("SUCCEEDED");
        assertThat(read.get("actor").asText()).isEqualTo("api-key");
        assertThat(read.get("keyId").asText()).isEqualTo(DEMO_KEY_ID);
        assertThat(read.get("requestId").asText()).isNotBlank();
        JsonNode created = mine.get(1);
        assertThat(created.get("operation").asText()).isEqualTo("create-customer");
        assertThat(created.get("outcome").asText()).isEqualTo("SUCCEEDED");
        assertThat(created.get("sequence").asLong()).isLessThan(read.get("sequence").asLong());
        assertThat(Instant.parse(created.get("occurredAt").asText()))
                .isBeforeOrEqualTo(Instant.parse(read.get("occurredAt").asText()));
        assertThat(read.get("requestId").asText()).isNotEqualTo(created.get("requestId").asText());

        JsonNode miss = entries("resource=customers/" + unknown);
        assertThat(miss).hasSize(1);
        assertThat(miss.get(0).get("outcome").asText()).isEqualTo("NOT_FOUND");
        // ids only: an entry holds no personal data
        assertThat(mine.toString()).doesNotContain("ada@example.com").doesNotContain("Ada");
    }

    @Test
    void whatACustomerBought_isAudited_theOrderPlacedReadCancelledAndItsEventsAndInvoice() {
        String order = Api.placeOrder(Api.newCustomer(10_000), "tok_ok", Api.newProduct(100, 5), 1);
        Api.awaitDecided(order);
        Api.get("/orders/" + order + "/events", 200);
        Api.get("/orders/" + order + "?asOf=" + Instant.now(), 200);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> Api.statusCode("/orders/" + order + "/invoice") == 200);
        Api.demo().post("/orders/" + order + "/cancel").then().statusCode(202);
        String unknown = UUID.randomUUID().toString();
        Api.get("/orders/" + unknown, 404);

        List<String> seen = new ArrayList<>();
        entries("resource=orders/" + order + "&limit=100").forEach(e -> seen.add(e.get("operation").asText()));
        assertThat(seen).contains("place-order", "get-order", "get-order-events", "cancel-order").last()
                .isEqualTo("place-order");
        assertThat(operations(entries("resource=orders/" + order + "/invoice"))).contains("get-order-invoice");
        assertThat(entries("resource=orders/" + unknown).get(0).get("outcome").asText()).isEqualTo("NOT_FOUND");
    }

    @Test
    void aRefusedRequestOfAPersonalDataRoute_isAnEntry_andOneOfAnyOtherRouteIsNot() {
        String ordersOnly = key("demo", "orders:read");
        String keyId = keyId(ordersOnly);
        String customer = UUID.randomUUID().toString();
        Api.as(ordersOnly).get("/customers/" + customer).then().statusCode(403);
        Api.as(ordersOnly).get("/products/NONE-" + customer.substring(0, 8)).then().statusCode(403);

        JsonNode byKey = entries("keyId=" + keyId);
        assertThat(byKey).hasSize(1);
        assertThat(byKey.get(0).get("operation").asText()).isEqualTo("get-customer");
        assertThat(byKey.get(0).get("resource").asText()).isEqualTo("customers/" + customer);
        assertThat(byKey.get(0).get("outcome").asText()).isEqualTo("DENIED");
    }

    @Test
    void everyKeyOperation_isAnOperatorsEntry_withTheInvocationsId() {
        JsonNode created = invoke("manage-api-keys",
                Map.of("action", "create", "tenant", "demo", "name", "audited", "scopes", List.of("orders:read")));
        String old = created.get("keyId").asText();
        String fresh = invoke("manage-api-keys", Map.of("action", "rotate", "keyId", old, "overlapSeconds", 60)).get("keyId")
                .asText();
        invoke("manage-api-keys", Map.of("action", "revoke", "keyId", fresh));
        invoke("manage-api-keys", Map.of("action", "list", "tenant", "demo"));

        assertThat(operations(entries("resource=api-keys/" + old))).containsExactly("manage-api-keys.rotate",
                "manage-api-keys.create");
        assertThat(operations(entries("resource=api-keys/" + fresh))).containsExactly("manage-api-keys.revoke",
                "manage-api-keys.create");
        JsonNode listed = entries("operation=manage-api-keys.list&limit=1").get(0);
        assertThat(listed.get("actor").asText()).isEqualTo("operator");
        assertThat(listed.has("keyId") && !listed.get("keyId").isNull()).isFalse();
        assertThat(listed.get("requestId").asText()).isNotBlank();
    }

    @Test
    void getAudit_pagesNewestFirst_byTimeAndKey_andShowsOnlyTheCallersTenant() {
        String customer = Api.newCustomer(10);
        for (int i = 0; i < 4; i++) {
            Api.get("/customers/" + customer, 200);
        }
        JsonNode all = entries("resource=customers/" + customer);
        assertThat(all).hasSize(5);
        List<Long> ids = new ArrayList<>();
        String next = null;
        do {
            JsonNode page = Api.get(
                    "/audit?resource=customers/" + customer + "&limit=2" + (next == null ? "" : "&nextToken=" + next),
                    200);
            assertThat(page.get("items").size()).isLessThanOrEqualTo(2);
            page.get("items").forEach(e -> ids.add(e.get("entryId").asLong()));
            next = page.get("nextToken").isNull() ? null : page.get("nextToken").asText();
        } while (next != null);
        assertThat(ids).hasSize(5).isSortedAccordingTo(java.util.Comparator.reverseOrder());

        Instant third = Instant.parse(all.get(2).get("occurredAt").asText());
        JsonNode since = entries("resource=customers/" + customer + "&since=" + third);
        assertThat(since).hasSize(3);
        JsonNode until = entries("resource=customers/" + customer + "&until=" + third);
        assertThat(until).hasSize(2);

        Api.as(Api.OTHER_KEY).get("/audit?resource=customers/" + customer).then().statusCode(200).body("items.size()",
                equalTo(0));
    }

    @Test
    void getAudit_refusesBadFilters_andAKeyWithoutAuditRead() {
        for (String query : List.of("limit=0", "limit=101", "limit=x", "nextToken=bm9wZQ", "since=yesterday",
                "until=2026-01-01T00:00:00", "since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z")) {
            Api.demo().get("/audit?" + query).then().statusCode(400).contentType("application/problem+json");
        }
        String noAudit = key("demo", "customers:read");
        Api.as(noAudit).get("/audit").then().statusCode(403).body("detail", containsString("audit:read"));
        // the refusal of the log itself is in the log
        assertThat(entries("keyId=" + keyId(noAudit)).get(0).get("operation").asText()).isEqualTo("list-audit-entries");
    }

    @Test
    void anEntry_commitsWithWhatItRecords_andNotWithoutIt() {
        String tenant = freshTenant();
        assertThatThrownBy(() -> Reactive.inTransaction(() -> audit
                .record(AuditLog.Actor.operator(tenant, "req-1"), "test", "things/1", AuditLog.Outcome.SUCCEEDED)
                .invoke(() -> {
                    throw new IllegalStateException("the change fails");
                }))).hasMessageContaining("the change fails");
        assertThat(db().rows("select 1 from audit.entries where tenant = ?", tenant)).isEmpty();

        audit.recordAlone(AuditLog.Actor.operator(tenant, "req-2"), "test", "things/2", AuditLog.Outcome.SUCCEEDED);
        assertThat(db().row("select chain_seq, request_id from audit.entries where tenant = ?", tenant))
                .containsEntry("chain_seq", 1L).containsEntry("request_id", "req-2");
    }

    @Test
    void noServiceRole_mayChangeOrRemoveAnEntry_andNeitherMayTheOwner() throws Exception {
        functions.invoke("prepare-database", "{}".getBytes());
        String tenant = freshTenant();
        audit.recordAlone(AuditLog.Actor.operator(tenant, "r"), "test", "things/1", AuditLog.Outcome.SUCCEEDED);
        for (String service : List.of("customers", "access", "audit", "orders")) {
            try (Connection role = DriverManager.getConnection(jdbcUrl, DatabasePreparation.roleName(service), "local");
                    Statement s = role.createStatement()) {
                for (String change : List.of("update audit.entries set outcome = 'FAILED' where tenant = '" + tenant + "'",
                        "delete from audit.entries where tenant = '" + tenant + "'", "truncate audit.entries",
                        "update audit.chain_heads set last_seq = 0", "delete from audit.chain_heads")) {
                    assertThatThrownBy(() -> s.execute(change)).as(service + ": " + change).isInstanceOf(SQLException.class)
                            .hasMessageContaining("permission denied");
                }
            }
        }
        // customers appends (it reads customers) but may not read the log; audit reads it
        try (Connection role = DriverManager.getConnection(jdbcUrl, "svc_customers", "local");
                Statement s = role.createStatement()) {
            s.execute("insert into audit.entries (tenant, actor, operation, resource, outcome) values ('" + tenant
                    + "', 'system', 'test', 'things/2', 'SUCCEEDED')");
            assertThatThrownBy(() -> s.execute("select * from audit.entries")).hasMessageContaining("permission denied");
        }
        // inventory holds no personal data: it may not write to the log
        try (Connection role = DriverManager.getConnection(jdbcUrl, "svc_inventory", "local");
                Statement s = role.createStatement()) {
            assertThatThrownBy(
                    () -> s.execute("insert into audit.entries (tenant, actor, operation, resource, outcome) values ('"
                            + tenant + "', 'system', 'test', 'things/3', 'SUCCEEDED')"))
                    .hasMessageContaining("permission denied");
        }
        // the owner is refused by the table's triggers
        for (String change : List.of("update audit.entries set outcome = 'FAILED' where tenant = ?",
                "delete from audit.entries where tenant = ?")) {
            assertThatThrownBy(() -> db().update(change, tenant)).hasStackTraceContaining("append-only");
        }
        assertThatThrownBy(() -> db().update("truncate audit.entries")).hasStackTraceContaining("append-only");
        assertThat(db().rows("select 1 from audit.entries where tenant = ?", tenant)).hasSize(2);
    }

    @Test
    void verify_findsAChangedEntry_aRemovedOne_andARemovedTail_madeAroundTheDatabasesRules() {
        String changed = chainOf(5);
        String removed = chainOf(5);
        String cutShort = chainOf(5);
        for (String tenant : List.of(changed, removed, cutShort)) {
            assertThat(verify(tenant).get("intact").asBoolean()).isTrue();
            assertThat(verify(tenant).get("chains").get(0).get("entries").asLong()).isEqualTo(5);
        }
        // what a superuser (or anyone who could switch the triggers off) could do
        aroundTheRules(
                "update audit.entries set resource = 'things/forged' where tenant = '" + changed + "' and chain_seq = 3");
        aroundTheRules("delete from audit.entries where tenant = '" + removed + "' and chain_seq = 2");
        aroundTheRules("delete from audit.entries where tenant = '" + cutShort + "' and chain_seq = 5");

        JsonNode c = verify(changed);
        assertThat(c.get("intact").asBoolean()).isFalse();
        assertThat(c.get("chains").get(0).get("problems").toString()).contains("number 3) was changed");
        JsonNode r = verify(removed);
        assertThat(r.get("intact").asBoolean()).isFalse();
        assertThat(r.get("chains").get(0).get("problems").toString()).contains("entries 2 are missing")
                .contains("does not follow the entry before it");
        JsonNode t = verify(cutShort);
        assertThat(t.get("intact").asBoolean()).isFalse();
        assertThat(t.get("chains").get(0).get("problems").toString()).contains("ends at number 4 but its head is number 5");

        // and a recomputed hash does not hide a change: the next entry's link gives it away
        aroundTheRules("update audit.entries set outcome = 'FAILED', hash = sha256(hash) where tenant = '" + cutShort
                + "' and chain_seq = 2");
        assertThat(verify(cutShort).get("chains").get(0).get("problems").toString()).contains("number 2) was changed")
                .contains("entry " + entryId(cutShort, 3) + " (number 3) does not follow");
    }

    private String chainOf(int entries) {
        String tenant = freshTenant();
        for (int i = 1; i <= entries; i++) {
            audit.recordAlone(AuditLog.Actor.apiKey(tenant, UUID.randomUUID().toString(), "req-" + i), "test", "things/" + i,
                    AuditLog.Outcome.SUCCEEDED);
        }
        return tenant;
    }

    private JsonNode verify(String tenant) {
        return invoke("verify-audit-log", Map.of("tenant", tenant));
    }

    private void aroundTheRules(String sql) {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("set session_replication_role = replica"); // no triggers fire
            s.execute(sql);
            s.execute("set session_replication_role = origin");
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    private long entryId(String tenant, long seq) {
        return ((Number) db().row("select id from audit.entries where tenant = ? and chain_seq = ?", tenant, seq).get("id"))
                .longValue();
    }

    private String keyId(String apiKey) {
        return db().row("select id::text as id from access.api_keys where key_hash = sha256(convert_to(?, 'UTF8'))", apiKey)
                .get("id").toString();
    }

    private static List<String> operations(JsonNode entries) {
        List<String> ops = new ArrayList<>();
        entries.forEach(e -> ops.add(e.get("operation").asText()));
        return ops;
    }

    private static String freshTenant() {
        return "audit-" + UUID.randomUUID().toString().substring(0, 13);
    }

    private Db db() {
        return new Db(dataSource);
    }
}
