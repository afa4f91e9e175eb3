package io.sagaline.platform.database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

import org.postgresql.PGConnection;

import io.sagaline.platform.aws.Secrets;

/**
 * Gives each service its own database role, allowed only its own schema: it may connect, use its
 * schema, and read and write (never create, alter or drop) the tables and sequences in it. Nothing
 * else: no other service's schema, not {@code public} (where Flyway keeps its history), no DDL.
 * The audit log ({@value #AUDIT} schema) is the one table services share: a service may append to
 * it, or read it, as its functions' permission {@code audit} says; nobody may update, delete or
 * truncate it, nor touch its chains' heads (its trigger does, as its owner).
 * Runs as the database's administrator, after the migrations, in one transaction; running it again
 * changes nothing but the passwords (which is how a rotated secret reaches its role).
 */
public final class DatabasePreparation {

    private static final Pattern SCHEMA = Pattern.compile("[a-z]+");
    static final String AUDIT = "audit";

    private DatabasePreparation() {
    }

    /** The role of a service; Terraform names it so in the service's secret. */
    public static String roleName(String service) {
        return "svc_" + service;
    }

    /**
     * Creates or updates every service's role ({@code service => its credentials}), then grants it
     * its schema and takes away anything else it was ever granted. Refuses, and changes nothing,
     * if a service has no schema, if a secret names any role but its service's, or if that role
     * exists with more than a service role may have (superuser, createrole, replication,
     * bypassrls, membership of another role): a service's secret cannot turn this into a way to
     * take over another role. Yields the role names, in service order.
     */
    public static List<String> grantServiceRoles(Connection admin, Map<String, Secrets.Credentials> roles)
            throws SQLException {
        return grantServiceRoles(admin, roles, Map.of());
    }

    /**
     * As {@link #grantServiceRoles(Connection, Map)}, and gives each service the rights on the audit
     * log that {@code auditRights} names ({@code append}, {@code read}; the catalog's
     * {@link io.sagaline.platform.Catalog#auditRights()}).
     */
    public static List<String> grantServiceRoles(Connection admin, Map<String, Secrets.Credentials> roles,
            Map<String, java.util.Set<String>> auditRights) throws SQLException {
        Map<String, Secrets.Credentials> sorted = new TreeMap<>(roles);
        sorted.forEach((service, credentials) -> {
            if (!SCHEMA.matcher(service).matches()) {
                throw new IllegalArgumentException("not a service name: " + service);
            }
            if (!credentials.username().equals(roleName(service))) {
                throw new IllegalArgumentException(
                        "the secret of service " + service + " names a role other than " + roleName(service));
            }
        });
        boolean autoCommit = admin.getAutoCommit();
        admin.setAutoCommit(false);
        try {
            String database = single(admin, "select current_database()");
            // Nobody but the roles granted below may connect, and nobody may create in public.
            execute(admin, "select format('revoke all on database %I from public', ?::text)", database);
            execute(admin, "select format('revoke all on schema public from public')");
            List<String> schemas = list(admin, "select nspname from pg_namespace where nspname not like 'pg\\_%'"
                    + " and nspname <> 'information_schema' order by nspname");
            List<String> names = new ArrayList<>();
            for (var entry : sorted.entrySet()) {
                String schema = entry.getKey();
                String role = entry.getValue().username();
                if (!schemas.contains(schema)) {
                    throw new IllegalStateException("service " + schema + " has no schema: no migration creates it");
                }
                if (exists(admin, "select 1 from pg_roles r where rolname = ? and (rolsuper or rolcreaterole or rolreplication"
                        + " or rolbypassrls or exists (select 1 from pg_auth_members m where m.member = r.oid))", role)) {
                    throw new IllegalStateException("role " + role + " has more than a service role may have: not touched");
                }
                if (!exists(admin, "select 1 from pg_roles where rolname = ?", role)) {
                    execute(admin, "select format('create role %I', ?::text)", role);
                }
                execute(admin, "select format('alter role %I with login nocreatedb nocreaterole', ?::text)", role);
                // Hashed here (SCRAM-SHA-256): the password itself never travels in a statement or a log.
                admin.unwrap(PGConnection.class).alterUserPassword(role, entry.getValue().password().toCharArray(),
                        "scram-sha-256");
                // Whatever it was granted before (by hand, by an older version of this) goes first.
                for (String any : schemas) {
                    execute(admin, "select format('revoke all on schema %I from %I', ?::text, ?::text)", any, role);
                    execute(admin, "select format('revoke all on all tables in schema %I from %I', ?::text, ?::text)", any,
                            role);
                    execute(admin, "select format('revoke all on all sequences in schema %I from %I', ?::text, ?::text)", any,
                            role);
                }
                execute(admin, "select format('grant connect on database %I to %I', ?::text, ?::text)", database, role);
                if (!schema.equals(AUDIT)) {
                    execute(admin, "select format('grant usage on schema %I to %I', ?::text, ?::text)", schema, role);
                    execute(admin, "select format('grant select, insert, update, delete on all tables in schema %I to %I',"
                            + " ?::text, ?::text)", schema, role);
                    execute(admin, "select format('grant usage, select, update on all sequences in schema %I to %I',"
                            + " ?::text, ?::text)", schema, role);
                }
                java.util.Set<String> audit = auditRights.getOrDefault(schema, java.util.Set.of());
                if (!audit.isEmpty()) {
                    execute(admin, "select format('grant usage on schema audit to %I', ?::text)", role);
                }
                if (audit.contains("append")) {
                    execute(admin, "select format('grant insert on audit.entries to %I', ?::text)", role);
                }
                if (audit.contains("read")) {
                    execute(admin, "select format('grant select on audit.entries, audit.chain_heads to %I', ?::text)", role);
                }
                names.add(role);
            }
            admin.commit();
            return names;
        } catch (SQLException | RuntimeException e) {
            admin.rollback();
            throw e;
        } finally {
            admin.setAutoCommit(autoCommit);
        }
    }

    private static List<String> list(Connection c, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            while (r.next()) {
                values.add(r.getString(1));
            }
        }
        return values;
    }

    /** Has the server quote the identifiers ({@code format('%I')}), then runs the statement it built. */
    private static void execute(Connection c, String builder, String... params) throws SQLException {
        String statement = single(c, builder, params);
        try (Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private static String single(Connection c, String sql, String... params) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setString(i + 1, params[i]);
            }
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getString(1);
            }
        }
    }

    private static boolean exists(Connection c, String sql, String param) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, param);
            try (ResultSet r = s.executeQuery()) {
                return r.next();
            }
        }
    }
}
