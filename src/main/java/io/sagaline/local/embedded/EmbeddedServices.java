package io.sagaline.local.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;

import org.elasticmq.NodeAddress;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.jboss.logging.Logger;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import redis.embedded.RedisServer;

/**
 * PostgreSQL, Redis and SQS (ElasticMQ) inside this JVM, started on first use and once per JVM (dev-mode hot
 * reloads and all test classes share them), stopped when the JVM exits. Only the local runtime
 * touches this class; the libraries are {@code provided}, so none of it reaches function.zip.
 */
final class EmbeddedServices {

    private static final Logger LOG = Logger.getLogger(EmbeddedServices.class);

    /**
     * Where the servers keep their data and which ports they take. {@code dataDir} null: a
     * temporary directory, gone at exit (tests); otherwise kept across restarts (dev mode). A port
     * of 0: any free one. {@code durable}: PostgreSQL with the server's defaults (fsync and
     * synchronous commit on) rather than the fast settings that survive a killed process but not
     * a killed machine. {@code statementLog}: PostgreSQL writes its log as CSV into {@code log/} of
     * its data directory, so that a benchmark can switch {@code log_statement} on and read back
     * every statement it ran (bench/README.md).
     */
    record Settings(java.nio.file.Path dataDir, int postgresPort, int redisPort, int sqsPort, boolean durable,
            boolean statementLog) {
    }

    private static Settings settings = new Settings(null, 0, 0, 0, false, false);

    static synchronized void configure(Settings chosen) {
        settings = chosen;
    }

    private static EmbeddedPostgres postgres;
    private static RedisServer redis;
    private static int redisPort;
    private static SQSRestServer sqs;
    private static int sqsPort;

    private EmbeddedServices() {
    }

    /*
     * Quarkus reads configuration while it builds the application and again when it runs it, in two
     * class loaders of the same JVM; each has its own statics. The ports go to system properties so
     * that the second finds the servers the first started, and there is one of each per JVM.
     */
    private static final String POSTGRES_PORT = "sagaline.embedded.postgres.port";
    private static final String REDIS_PORT = "sagaline.embedded.redis.port";
    private static final String SQS_PORT = "sagaline.embedded.sqs.port";

    static int postgresPort() {
        synchronized (System.getProperties()) {
            String started = System.getProperty(POSTGRES_PORT);
            if (started == null) {
                started = Integer.toString(startPostgres());
                System.setProperty(POSTGRES_PORT, started);
            }
            return Integer.parseInt(started);
        }
    }

    static int redisPort() {
        synchronized (System.getProperties()) {
            String started = System.getProperty(REDIS_PORT);
            if (started == null) {
                started = Integer.toString(startRedis());
                System.setProperty(REDIS_PORT, started);
            }
            return Integer.parseInt(started);
        }
    }

    static int sqsPort() {
        synchronized (System.getProperties()) {
            String started = System.getProperty(SQS_PORT);
            if (started == null) {
                started = Integer.toString(startSqs());
                System.setProperty(SQS_PORT, started);
            }
            return Integer.parseInt(started);
        }
    }

    private static synchronized int startSqs() {
        if (sqs == null) {
            long started = System.nanoTime();
            try {
                sqsPort = settings.sqsPort() == 0 ? freePort() : settings.sqsPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            // Queue URLs name this address; the account and region are the local engine's.
            sqs = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(sqsPort)
                    .withServerAddress(new NodeAddress("http", "localhost", sqsPort, ""))
                    .withAWSAccountId("000000000000").withAWSRegion("us-east-1").start();
            sqs.waitUntilStarted();
            LOG.infof("embedded SQS (ElasticMQ) on port %d (%d ms)", sqsPort, (System.nanoTime() - started) / 1_000_000);
            stopOnExit();
        }
        return sqsPort;
    }

    private static synchronized int startPostgres() {
        if (postgres == null) {
            long started = System.nanoTime();
            try {
                EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                        .setPGStartupWait(Duration.ofSeconds(60))
                        .setServerConfig("max_connections", "200");
                if (settings.durable()) {
                    // zonky starts the server with -F (fsync off) and synchronous_commit=off; a later -c wins.
                    builder.setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on");
                } else {
                    builder.setServerConfig("fsync", "off");
                }
                if (settings.statementLog()) {
                    builder.setServerConfig("logging_collector", "on").setServerConfig("log_destination", "csvlog")
                            .setServerConfig("log_directory", "log");
                }
                if (settings.postgresPort() != 0) {
                    builder.setPort(settings.postgresPort());
                }
                if (settings.dataDir() != null) {
                    lockDataDir();
                    java.nio.file.Path data = settings.dataDir().resolve("postgres");
                    replaceOrphan(data.resolve("postmaster.pid"), "postgres");
                    builder.setDataDirectory(data).setCleanDataDirectory(false);
                }
                postgres = builder.start();
            } catch (IOException e) {
                throw new UncheckedIOException("embedded PostgreSQL did not start", e);
            }
            LOG.infof("embedded PostgreSQL on port %d, data in %s%s (%d ms)", postgres.getPort(),
                    settings.dataDir() == null ? "a temporary directory" : settings.dataDir().resolve("postgres"),
                    settings.durable() ? ", fsync on" : ", fsync off", (System.nanoTime() - started) / 1_000_000);
            stopOnExit();
        }
        return postgres.getPort();
    }

    private static synchronized int startRedis() {
        if (redis == null) {
            try {
                redisPort = settings.redisPort() == 0 ? freePort() : settings.redisPort();
                var builder = RedisServer.newRedisServer().port(redisPort).bind("127.0.0.1");
                if (settings.dataDir() == null) {
                    builder.setting("save \"\"").setting("appendonly no");
                } else {
                    // Idempotency-Keys and leases survive a restart with the orders they guard.
                    lockDataDir();
                    java.nio.file.Path dir = settings.dataDir().resolve("redis");
                    java.nio.file.Files.createDirectories(dir);
                    replaceOrphan(dir.resolve("redis.pid"), "redis");
                    builder.setting("dir \"" + dir.toAbsolutePath() + "\"").setting("appendonly yes")
                            .setting("pidfile \"" + dir.toAbsolutePath().resolve("redis.pid") + "\"");
                }
                redis = builder.build();
                redis.start();
            } catch (IOException e) {
                throw new UncheckedIOException("embedded Redis did not start", e);
            }
            LOG.infof("embedded Redis on port %d", redisPort);
            stopOnExit();
        }
        return redisPort;
    }

    /** Held for the JVM's life: one run per data directory (the operating system drops it when the JVM dies). */
    private static java.nio.channels.FileLock dataDirLock;

    /**
     * Takes the data directory for this JVM, or fails at once if another live run has it (an IDE
     * and a terminal on the same checkout): its servers are not orphans, and must not be stopped.
     */
    private static synchronized void lockDataDir() throws IOException {
        if (dataDirLock != null || settings.dataDir() == null) {
            return;
        }
        java.nio.file.Files.createDirectories(settings.dataDir());
        java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(settings.dataDir().resolve("lock"),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
        dataDirLock = channel.tryLock();
        if (dataDirLock == null) {
            channel.close();
            throw new IllegalStateException("another run of the local runtime uses " + settings.dataDir()
                    + "; stop it, or give this one its own: -Dsagaline.local.data-dir=...");
        }
    }

    /**
     * A server a previous run left behind (its JVM was killed: the servers are child processes and
     * outlive it) still holds the data directory and the port. It is the process its pid file
     * names, if that process runs the server's command and started before the pid file was last
     * written (a pid reused since is some other process, started later). It is asked to stop
     * (PostgreSQL: SIGINT, its fast shutdown; Redis: SIGTERM, save and exit) and killed if it does
     * not within 30 s; then this run starts its own on the same data. Called only with the data
     * directory locked, so no live run's server is ever taken for an orphan.
     */
    static void replaceOrphan(java.nio.file.Path pidFile, String command) {
        if (!java.nio.file.Files.exists(pidFile)) {
            return;
        }
        long pid;
        java.time.Instant written;
        try {
            pid = Long.parseLong(java.nio.file.Files.readAllLines(pidFile).get(0).trim());
            written = java.nio.file.Files.getLastModifiedTime(pidFile).toInstant();
        } catch (IOException | RuntimeException e) {
            return;
        }
        ProcessHandle.of(pid).filter(p -> p.info().command().map(c -> c.contains(command)).orElse(false))
                .filter(p -> p.info().startInstant().map(started -> !started.isAfter(written.plusSeconds(1))).orElse(false))
                .ifPresent(p -> {
                    LOG.warnf("a %s left running by an earlier run (pid %d) holds %s: stopping it", command, pid,
                            pidFile.getParent());
                    signal(p, command.equals("postgres") ? "INT" : "TERM");
                    try {
                        p.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (Exception e) {
                        LOG.warnf("%s (pid %d) did not stop within 30 s: killing it", command, pid);
                        p.destroyForcibly();
                        try {
                            p.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
                        } catch (Exception again) {
                            throw new IllegalStateException(command + " (pid " + pid + ") left by an earlier run on "
                                    + pidFile.getParent() + " cannot be stopped; stop it by hand", again);
                        }
                    }
                });
    }

    private static void signal(ProcessHandle process, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
            if (kill.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && kill.exitValue() == 0) {
                return;
            }
        } catch (IOException e) {
            // no kill command: fall back to SIGTERM
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroy();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private static boolean hookInstalled;

    private static void stopOnExit() {
        if (hookInstalled) {
            return;
        }
        hookInstalled = true;
        Runtime.getRuntime().addShutdownHook(new Thread(EmbeddedServices::stop, "embedded-services-stop"));
    }

    private static synchronized void stop() {
        try {
            if (sqs != null) {
                // Its queues live in memory and go with the JVM anyway; an HTTP connection a client
                // left open can hold the actor system's termination (once for 30 s, until surefire
                // killed the JVM), so it is waited for a few seconds at most.
                scala.concurrent.Await.ready(sqs.stopAndGetFuture().apply(),
                        scala.concurrent.duration.Duration.create(5, java.util.concurrent.TimeUnit.SECONDS));
            }
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.warn("embedded SQS did not stop within 5 s; the JVM exits without it");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("embedded SQS did not stop cleanly", e);
        }
        try {
            if (redis != null) {
                redis.stop();
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("embedded Redis did not stop cleanly", e);
        }
        try {
            if (postgres != null) {
                postgres.close();
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("embedded PostgreSQL did not stop cleanly", e);
        }
    }
}
