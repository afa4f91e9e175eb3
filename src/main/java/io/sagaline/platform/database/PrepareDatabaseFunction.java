package io.sagaline.platform.database;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.agroal.api.AgroalDataSource;
import io.sagaline.platform.Catalog;
import io.sagaline.platform.aws.Secrets;

/**
 * A deployment step (Terraform invokes it on every apply that changes the code): migrates the
 * database, then gives each service its role ({@link DatabasePreparation}). It connects as the
 * database's administrator, whose secret {@code SAGALINE_DATABASE_SECRET_ARN} names; each
 * service's role and password come from that service's secret, named in
 * {@code SAGALINE_DATABASE_SERVICE_SECRETS} ({@code {"orders": "arn:...", ...}}), the same secret
 * RDS Proxy and the service's functions read. Locally (no service secrets) every role gets
 * {@code sagaline.database.local-role-password}.
 */
@Named("prepare-database")
public class PrepareDatabaseFunction implements RequestHandler<Map<String, Object>, PrepareDatabaseFunction.Prepared> {

    public record Prepared(String schemaVersion, int migrationsApplied, List<String> roles) {
    }

    @Inject
    Flyway flyway;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    Secrets secrets;

    @Inject
    ObjectMapper json;

    @Inject
    Catalog catalog;

    @ConfigProperty(name = "sagaline.database.service-secrets")
    Optional<String> serviceSecrets;

    @ConfigProperty(name = "sagaline.database.local-role-password")
    Optional<String> localRolePassword;

    @Override
    public Prepared handleRequest(Map<String, Object> input, Context context) {
        Map<String, Secrets.Credentials> roles = roles();
        MigrateResult migrated = flyway.migrate();
        try (Connection admin = dataSource.getConnection()) {
            List<String> names = DatabasePreparation.grantServiceRoles(admin, roles, catalog.auditRights());
            String version = flyway.info().current() == null ? null : flyway.info().current().getVersion().getVersion();
            return new Prepared(version, migrated.migrationsExecuted, names);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot grant the services their roles: " + e.getMessage(), e);
        }
    }

    /** Every service that owns a schema gets a role: no more (a stray secret), no fewer. */
    Map<String, Secrets.Credentials> roles() {
        Set<String> services = schemaServices(catalog);
        Map<String, Secrets.Credentials> roles = new LinkedHashMap<>();
        if (serviceSecrets.isPresent()) {
            Map<String, String> arns;
            try {
                arns = json.readValue(serviceSecrets.get(), new TypeReference<Map<String, String>>() {
                });
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("sagaline.database.service-secrets is not a JSON object of ARNs");
            }
            if (!arns.keySet().equals(services)) {
                throw new IllegalStateException("service secrets " + new TreeSet<>(arns.keySet())
                        + " are not those of the catalog's services " + services);
            }
            arns.forEach((service, arn) -> roles.put(service, secrets.readCredentials(arn)));
        } else if (localRolePassword.isPresent()) {
            services.forEach(
                    s -> roles.put(s, new Secrets.Credentials(DatabasePreparation.roleName(s), localRolePassword.get())));
        } else {
            throw new IllegalStateException("neither sagaline.database.service-secrets nor a local role password is set");
        }
        return roles;
    }

    /** The services that keep data: every catalog service but the platform's operators' commands. */
    public static Set<String> schemaServices(Catalog catalog) {
        Set<String> services = new TreeSet<>();
        catalog.functions().stream().map(Catalog.Function::service).filter(s -> !s.equals("platform")).forEach(services::add);
        return services;
    }
}
