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
                sqsPort = freePort();
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
                postgres = EmbeddedPostgres.builder()
                        .setPGStartupWait(Duration.ofSeconds(60))
                        .setServerConfig("max_connections", "200")
                        .setServerConfig("fsync", "off")
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException("embedded PostgreSQL did not start", e);
            }
            LOG.infof("embedded PostgreSQL on port %d (%d ms)", postgres.getPort(), (System.nanoTime() - started) / 1_000_000);
            stopOnExit();
        }
        return postgres.getPort();
    }

    private static synchronized int startRedis() {
        if (redis == null) {
            try {
                redisPort = freePort();
                redis = RedisServer.newRedisServer().port(redisPort).bind("127.0.0.1")
                        .setting("save \"\"").setting("appendonly no").build();
                redis.start();
            } catch (IOException e) {
                throw new UncheckedIOException("embedded Redis did not start", e);
            }
            LOG.infof("embedded Redis on port %d", redisPort);
            stopOnExit();
        }
        return redisPort;
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
                sqs.stopAndWait();
            }
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
