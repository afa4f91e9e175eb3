package io.sagaline.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.local.LocalFunctions;
import io.sagaline.platform.Catalog;
import io.sagaline.platform.aws.Secrets.Credentials;
import io.sagaline.platform.database.DatabasePreparation;
import io.sagaline.platform.database.PrepareDatabaseFunction;
import io.sagaline.support.Db;

/**
 * One database role per service, allowed only its own schema: prepare-database (the deployment
 * step Terraform invokes) creates the roles after the migrations, and a role can read and write
 * its service's tables and nothing else: no other schema, no DDL, not Flyway's history.
 */
@QuarkusTest
class ServiceRolesTest {

    private static final Pattern SQL_TABLE = Pattern.compile("(?i)\\b(?:from|join|into|update|table)\\s+([a-z_]+)\\.([a-z_]+)");

    @Inject
    LocalFunctions functions;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    ObjectMapper json;
    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String jdbcUrl;

    @Test
    void prepareDatabase_givesEveryServiceThatKeepsDataItsRole_andRunningItAgainChangesNothing() throws Exception {
        Set<String> services = services();
        JsonNode first = json.readTree(functions.invoke("prepare-database", "{}".getBytes()));
        JsonNode again = json.readTree(functions.invoke("prepare-database", "{}".getBytes()));

        List<String> expectedRoles = services.stream().map(DatabasePreparation::roleName).toList();
        assertThat(first.get("roles")).extracting(JsonNode::asText).containsExactlyElementsOf(expectedRoles);
        assertThat(again.get("roles")).extracting(JsonNode::asText).containsExactlyElementsOf(expectedRoles);
        assertThat(again.get("migrationsApplied").asInt()).isZero();
        assertThat(first.get("schemaVersion").asText()).isEqualTo(db().row(
                "select version from flyway_schema_history where success order by installed_rank desc limit 1").get("version"));
        assertThat(db().rows("select rolname from pg_roles where rolname like 'svc\\_%' and rolcanlogin and not rolsuper"
                + " and not rolcreatedb and not rolcreaterole").stream().map(r -> (String) r.get("rolname")).toList())
                .containsAll(expectedRoles);
    }

    @Test
    void aServiceRole_readsAndWritesEveryTableOfItsSchema_andTouchesNothingElse() throws Exception {
        functions.invoke("prepare-database", "{}".getBytes());
        Set<String> services = services();
        for (String service : services) {
            try (Connection role = DriverManager.getConnection(jdbcUrl, DatabasePreparation.roleName(service), "local");
                    Statement s = role.createStatement()) {
                List<String> own = tables(service);
                assertThat(own).as(service + " has tables").isNotEmpty();
                // the audit log is append-only, for its own service too (AuditLogTest)
                for (String table : service.equals("audit") ? List.<String> of() : own) {
                    // Each statement is checked for its privilege even though it touches no row.
                    s.execute("select * from " + table + " where false");
                    s.execute("insert into " + table + " select * from " + table + " where false");
                    s.execute("update " + table + " set " + firstColumn(table) + " = " + firstColumn(table) + " where false");
                    s.execute("delete from " + table + " where false");
                }
                for (String other : services) {
                    if (!other.equals(service) && !other.equals("audit")) {
                        for (String table : tables(other)) {
                            assertDenied(s, "select * from " + table + " where false", service + " reading " + table);
                            assertDenied(s, "delete from " + table + " where false", service + " deleting from " + table);
                        }
                    }
                }
                assertDenied(s, "create table " + service + ".sneaky (id int)", service + " creating a table in its schema");
                assertDenied(s, "drop table " + own.get(0), service + " dropping its table");
                assertDenied(s, "alter table " + own.get(0) + " add column sneaky int", service + " altering its table");
                assertDenied(s, "create table public.sneaky (id int)", service + " creating a table in public");
                assertDenied(s, "select * from public.flyway_schema_history", service + " reading the migrations' history");
                assertDenied(s, "select * from engine.executions", service + " reading the local engine's executions");
                assertDenied(s, "create schema sneaky", service + " creating a schema");
            }
        }
    }

    /**
     * The embedded server trusts local logins, so a login proves no password here; what is stored
     * is checked instead: a SCRAM-SHA-256 verifier of exactly the secret's password (never the
     * password itself), replaced by the next one on rotation.
     */
    @Test
    void aRolesPassword_isStoredAsTheScramVerifierOfItsSecret_andARotationReplacesIt() throws Exception {
        functions.invoke("prepare-database", "{}".getBytes());
        assertThat(verifier("svc_orders")).startsWith("SCRAM-SHA-256$4096:").doesNotContain("local");
        assertThat(scramMatches(verifier("svc_orders"), "local")).isTrue();
        assertThat(scramMatches(verifier("svc_orders"), "locale")).isFalse();

        try (Connection admin = dataSource.getConnection()) {
            DatabasePreparation.grantServiceRoles(admin, Map.of("orders", new Credentials("svc_orders", "rotated-7c1")));
        }
        assertThat(scramMatches(verifier("svc_orders"), "rotated-7c1")).isTrue();
        assertThat(scramMatches(verifier("svc_orders"), "local")).isFalse();

        functions.invoke("prepare-database", "{}".getBytes());
        assertThat(scramMatches(verifier("svc_orders"), "local")).isTrue();
    }

    @Test
    void nothingElseMayConnect_andWhatARoleWasEverGrantedBeyondItsSchemaIsTakenAway() throws Exception {
        functions.invoke("prepare-database", "{}".getBytes());
        db().update("drop role if exists outsider");
        db().update("create role outsider login");
        try {
            assertThatThrownBy(() -> DriverManager.getConnection(jdbcUrl, "outsider", "x").close())
                    .isInstanceOf(SQLException.class).hasMessageContaining("permission denied for database");
        } finally {
            db().update("drop role outsider");
        }

        db().update("grant create on schema orders to svc_orders");
        db().update("grant usage on schema customers to svc_orders");
        db().update("grant select on customers.customers to svc_orders");
        functions.invoke("prepare-database", "{}".getBytes());

        assertThat(db().row("select has_schema_privilege('svc_orders', 'orders', 'CREATE') as c,"
                + " has_schema_privilege('svc_orders', 'customers', 'USAGE') as u,"
                + " has_table_privilege('svc_orders', 'customers.customers', 'SELECT') as s,"
                + " has_table_privilege('svc_orders', 'orders.orders', 'SELECT') as own"))
                .containsEntry("c", false).containsEntry("u", false).containsEntry("s", false).containsEntry("own", true);
    }

    @Test
    void aBadEntry_isRefused_andChangesNothing_evenAfterAGoodOne() throws Exception {
        db().update("drop schema if exists aaatest cascade");
        db().update("drop role if exists svc_aaatest");
        db().update("create schema aaatest");
        try (Connection admin = dataSource.getConnection()) {
            // Sorted by service: aaatest is done first, then zzz fails, and aaatest must not remain.
            assertThatThrownBy(() -> DatabasePreparation.grantServiceRoles(admin,
                    Map.of("aaatest", new Credentials("svc_aaatest", "a"), "zzz", new Credentials("svc_zzz", "z"))))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("zzz has no schema");
            assertThat(db().rows("select 1 from pg_roles where rolname in ('svc_aaatest', 'svc_zzz')")).isEmpty();

            assertThatThrownBy(() -> DatabasePreparation.grantServiceRoles(admin,
                    Map.of("Orders; --", new Credentials("svc_orders", "local"))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a service name");
        } finally {
            db().update("drop schema aaatest cascade");
        }
        assertThat(db().row("select to_regclass('orders.orders') is not null as present").get("present")).isEqualTo(true);
    }

    /** Whoever can write one service's secret must not be able to take over another role through it. */
    @Test
    void aSecretNamingAnotherRole_orAPrivilegedRole_isRefused_andThatRoleIsUntouched() throws Exception {
        functions.invoke("prepare-database", "{}".getBytes());
        String customers = verifier("svc_customers");
        try (Connection admin = dataSource.getConnection()) {
            for (String other : List.of("svc_customers", "postgres", "svc_orders\"; drop table orders.orders; --")) {
                assertThatThrownBy(() -> DatabasePreparation.grantServiceRoles(admin,
                        Map.of("orders", new Credentials(other, "taken-over"))))
                        .as(other).isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("the secret of service orders names a role other than svc_orders");
            }
            db().update("alter role svc_customers createrole");
            try {
                assertThatThrownBy(() -> DatabasePreparation.grantServiceRoles(admin,
                        Map.of("customers", new Credentials("svc_customers", "taken-over"))))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessage("role svc_customers has more than a service role may have: not touched");
            } finally {
                db().update("alter role svc_customers nocreaterole");
            }
        }
        assertThat(verifier("svc_customers")).isEqualTo(customers);
        assertThat(db().row("select rolsuper from pg_roles where rolname = 'postgres'").get("rolsuper")).isEqualTo(true);
    }

    /** Static, but it is what the roles rely on: a service's SQL names only its own schema's tables. */
    @Test
    void everyServicesSql_namesOnlyItsOwnSchema() throws IOException {
        Set<String> services = services();
        for (String service : services) {
            Path code = Path.of("src/main/java/io/sagaline", service);
            try (Stream<Path> files = Files.walk(code)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    Matcher m = SQL_TABLE.matcher(Files.readString(file));
                    while (m.find()) {
                        if (services.contains(m.group(1))) {
                            assertThat(m.group(1)).as(file + ": " + m.group()).isEqualTo(service);
                        }
                    }
                    assertThat(Files.readString(file)).as(file + " maps entities to its own schema only")
                            .doesNotContainPattern("schema = \"(?!" + service + "\")");
                }
            }
        }
    }

    private String verifier(String role) {
        return (String) db().row("select rolpassword from pg_authid where rolname = ?", role).get("rolpassword");
    }

    /** Whether a SCRAM-SHA-256 verifier ({@code SCRAM-SHA-256$iter:salt$StoredKey:ServerKey}) is that of {@code password}. */
    private static boolean scramMatches(String verifier, String password) throws Exception {
        String[] parts = verifier.split("\\$");
        String[] iterationsAndSalt = parts[1].split(":");
        byte[] salt = Base64.getDecoder().decode(iterationsAndSalt[1]);
        byte[] salted = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                .generateSecret(new PBEKeySpec(password.toCharArray(), salt, Integer.parseInt(iterationsAndSalt[0]), 256))
                .getEncoded();
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(salted, "HmacSHA256"));
        byte[] storedKey = MessageDigest.getInstance("SHA-256")
                .digest(mac.doFinal("Client Key".getBytes(StandardCharsets.UTF_8)));
        return Arrays.equals(storedKey, Base64.getDecoder().decode(parts[2].split(":")[0]));
    }

    private Set<String> services() {
        return new TreeSet<>(PrepareDatabaseFunction.schemaServices(Catalog.load(json)));
    }

    private List<String> tables(String schema) {
        return db().rows("select table_schema || '.' || table_name as t from information_schema.tables"
                + " where table_schema = ? and table_type = 'BASE TABLE' order by table_name", schema)
                .stream().map(r -> (String) r.get("t")).toList();
    }

    private String firstColumn(String table) {
        String[] parts = table.split("\\.");
        return (String) db().row("select column_name from information_schema.columns where table_schema = ? and table_name = ?"
                + " and ordinal_position = (select min(ordinal_position) from information_schema.columns"
                + " where table_schema = ? and table_name = ?)", parts[0], parts[1], parts[0], parts[1]).get("column_name");
    }

    private static void assertDenied(Statement s, String sql, String what) {
        assertThatThrownBy(() -> s.execute(sql)).as(what).isInstanceOf(SQLException.class)
                .extracting(e -> ((SQLException) e).getSQLState()).as(what + ": permission denied").isEqualTo("42501");
    }

    private Db db() {
        return new Db(dataSource);
    }
}
