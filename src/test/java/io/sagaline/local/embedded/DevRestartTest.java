package io.sagaline.local.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.support.DevChild;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * {@code ./mvnw quarkus:dev} keeps its data across restarts, a {@code kill -9} included: a dev run
 * keeps PostgreSQL's data in its data directory, and the next start finds the PostgreSQL the killed
 * JVM left running by its pid file, stops it, and serves the same data on the same port.
 */
@QuarkusTest
class DevRestartTest {

    @Test
    void whatAKilledDevRunStored_isThereForTheNextStart_andTheOrphanedServerIsReplaced() throws Exception {
        Path data = Files.createDirectories(Path.of("target", "dev-restart-" + System.nanoTime()));
        int postgresPort = DevChild.freePort();

        DevChild dev = DevChild.startDevModeWithOwnServices("dev-restart", data, postgresPort, DevChild.freePort(),
                DevChild.freePort());
        String customer = DevChild.field(dev.post("/customers",
                "{\"name\":\"Ada\",\"email\":\"ada@example.com\",\"creditLimitCents\":5000}"), "customerId");
        dev.killNine();
        Path pidFile = data.resolve("postgres/postmaster.pid");
        long orphan = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
        assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive)).as("the killed run's PostgreSQL outlives it")
                .contains(true);
        assertThat(Files.readString(Path.of("target/dev-restart.log"))).contains("embedded PostgreSQL on port " + postgresPort
                + ", data in " + data.toAbsolutePath().resolve("postgres"));

        // What the next start does before it starts its own servers on that directory and port.
        EmbeddedServices.replaceOrphan(pidFile, "postgres");
        EmbeddedServices.replaceOrphan(data.resolve("redis/redis.pid"), "redis");
        assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive)).as("the orphan is gone").isNotEqualTo(
                java.util.Optional.of(true));
        try (EmbeddedPostgres again = EmbeddedPostgres.builder().setDataDirectory(data.resolve("postgres"))
                .setCleanDataDirectory(false).setPort(postgresPort).start();
                Connection c = again.getPostgresDatabase().getConnection();
                ResultSet r = c.createStatement().executeQuery(
                        "select available_credit_cents from customers.customers where id = '" + customer + "'")) {
            assertThat(r.next()).as("the customer the killed run stored").isTrue();
            assertThat(r.getLong(1)).isEqualTo(5000);
        }
    }

    @Test
    void aPidFileNamingAProcessStartedAfterItWasWritten_isAReusedPid_andThatProcessIsLeftAlone() throws Exception {
        Path pidFile = Files.createTempFile(Path.of("target"), "orphan", ".pid");
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            Files.writeString(pidFile, sleeper.pid() + "\n");
            Files.setLastModifiedTime(pidFile, java.nio.file.attribute.FileTime.from(
                    java.time.Instant.now().minusSeconds(3600)));

            EmbeddedServices.replaceOrphan(pidFile, "sleep");
            assertThat(sleeper.isAlive()).as("started after the pid file was written: not the orphan it names").isTrue();

            Files.setLastModifiedTime(pidFile, java.nio.file.attribute.FileTime.from(java.time.Instant.now()));
            EmbeddedServices.replaceOrphan(pidFile, "postgres");
            assertThat(sleeper.isAlive()).as("not the server's command").isTrue();

            EmbeddedServices.replaceOrphan(pidFile, "sleep");
            assertThat(sleeper.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).as("the orphan it names is stopped")
                    .isTrue();
        } finally {
            sleeper.destroyForcibly();
        }
    }
}
