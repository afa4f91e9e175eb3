package io.sagaline.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.agroal.api.AgroalDataSource;
import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.runtime.StartupEvent;

/**
 * The data the samples in {@code events/} act on ({@code events/fixture.sql}: one customer, one
 * product and a few orders of tenant demo, at fixed ids and instants), loaded at start-up with
 * {@code ./mvnw quarkus:dev -Dsagaline.local.sample-fixture=true}, and by the test of the samples.
 * Idempotent: it inserts only what is missing, and touches no row but its own.
 */
@ApplicationScoped
@IfBuildProfile(anyOf = { "dev", "test" })
public class SampleFixture {

    private static final Logger LOG = Logger.getLogger(SampleFixture.class);

    private final AgroalDataSource dataSource;

    SampleFixture(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    void onStart(@Observes StartupEvent startup,
            @ConfigProperty(name = "sagaline.local.sample-fixture", defaultValue = "false") boolean wanted)
            throws IOException, SQLException {
        if (wanted) {
            load();
            LOG.info("sample fixture loaded (events/fixture.sql): the samples in events/ now act on tenant demo's fixture");
        }
    }

    /** Loads {@code events/fixture.sql} in one transaction. */
    public void load() throws IOException, SQLException {
        String sql = Files.readString(Path.of("events", "fixture.sql"));
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute(sql);
            c.commit();
        }
    }
}
