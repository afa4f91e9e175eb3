package io.sagaline.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The whole system in a JVM of its own, on this test's database, Redis and SQS: what tests kill to
 * see what a dying process leaves behind. Children run the built local application
 * ({@code target/local-app}, the dev profile), which starts in seconds; one test runs
 * {@code ./mvnw quarkus:dev} itself ({@link #startDevModeWithOwnServices}).
 */
public record DevChild(Process process, boolean underMaven, int port, String log) {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Starts a child named {@code name} (its log: {@code target/<name>.log}) with extra {@code -D} settings. */
    public static DevChild start(String name, String... systemProperties) throws Exception {
        var config = ConfigProvider.getConfig();
        return start(name, Map.of(
                "QUARKUS_DATASOURCE_JDBC_URL", config.getValue("quarkus.datasource.jdbc.url", String.class),
                "QUARKUS_DATASOURCE_REACTIVE_URL", config.getValue("quarkus.datasource.reactive.url", String.class),
                "QUARKUS_DATASOURCE_USERNAME", config.getValue("quarkus.datasource.username", String.class),
                "QUARKUS_DATASOURCE_PASSWORD", config.getValue("quarkus.datasource.password", String.class),
                "QUARKUS_REDIS_HOSTS", config.getValue("quarkus.redis.hosts", String.class),
                "SAGALINE_LOCAL_SQS_ENDPOINT", config.getValue("sagaline.local.sqs.endpoint", String.class)),
                false, isolated(systemProperties));
    }

    /**
     * A child on this test's servers starts none of its own; should it, they take free ports and a
     * temporary directory, never a developer's .sagaline/ and dev ports.
     */
    private static String[] isolated(String... systemProperties) {
        List<String> all = new ArrayList<>(
                List.of("sagaline.local.data-dir=target/dev-children", "sagaline.local.postgres.port=0",
                        "sagaline.local.redis.port=0", "sagaline.local.sqs.port=0"));
        all.addAll(List.of(systemProperties));
        return all.toArray(String[]::new);
    }

    /**
     * Starts {@code ./mvnw quarkus:dev} itself, as a developer does, with its own embedded services,
     * its data in {@code dataDir} and on the given ports: the one child that proves the README's
     * first command, Maven and dev mode included (the others run the built application).
     */
    public static DevChild startDevModeWithOwnServices(String name, Path dataDir, int postgresPort, int redisPort,
            int sqsPort) throws Exception {
        return start(name, Map.of(), true, "sagaline.local.data-dir=" + dataDir.toAbsolutePath(),
                "sagaline.local.postgres.port=" + postgresPort, "sagaline.local.redis.port=" + redisPort,
                "sagaline.local.sqs.port=" + sqsPort);
    }

    private static DevChild start(String name, Map<String, String> environment, boolean devMode, String... systemProperties)
            throws Exception {
        var config = ConfigProvider.getConfig();
        int port = freePort();
        List<String> command = new ArrayList<>();
        if (devMode) {
            command.addAll(List.of("./mvnw", "-q", "quarkus:dev", "-Dasl.skip=true", "-Dquarkus.console.enabled=false",
                    "-Ddebug=false", "-Dquarkus.lambda.mock-event-server.dev-port=" + freePort(),
                    "-Dquarkus.live-reload.instrumentation=false"));
        } else {
            // C1 only: the child serves a handful of requests, and starts sooner
            command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1", "-Dquarkus.profile=dev", "-Dvertx.disableURIValidation=true"));
        }
        command.addAll(List.of("-Dquarkus.http.port=" + port, "-Dsagaline.local.workers=1",
                // The queues are this JVM's: keep their settings.
                "-Dsagaline.local.queues.visibility-timeout-seconds="
                        + config.getValue("sagaline.local.queues.visibility-timeout-seconds", String.class),
                // And the engine's leases: a dead child's executions go on here as soon as this JVM would take them.
                "-Dsagaline.local.engine.lease=" + config.getValue("sagaline.local.engine.lease", String.class),
                // The seed keys are this JVM's too: a child seeds them again at its start, and without
                // these would leave the demo key at the default rate limit for the tests after it.
                "-Dsagaline.access.seed-key-rate-limits.\"local-demo-key\"=" + config
                        .getValue("sagaline.access.seed-key-rate-limits.\"local-demo-key\"", String.class)));
        for (String p : systemProperties) {
            command.add("-D" + p);
        }
        if (!devMode) {
            command.addAll(List.of("-jar", localApplication().toString()));
        }
        String log = "target/" + name + ".log";
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(new File(log))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().putAll(environment);
        DevChild child = new DevChild(builder.start(), devMode, port, log);
        try {
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250)).until(() -> {
                if (!child.process().isAlive()) {
                    throw new IllegalStateException("the child stopped; see " + log);
                }
                try {
                    return HTTP.send(HttpRequest.newBuilder(URI.create(child.url() + "/q/health/ready")).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (RuntimeException e) {
            child.killTree(); // a child that never got ready must not outlive its test
            throw e;
        }
        return child;
    }

    public String url() {
        return "http://localhost:" + port;
    }

    /** POSTs JSON as tenant demo; returns the body, or fails unless the answer is a 2xx. */
    public String post(String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url() + path))
                .header("x-api-key", "local-demo-key").header("content-type", "application/json")
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(path + " -> " + response.statusCode() + " " + response.body());
        }
        return response.body();
    }

    public static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException(name + " not in " + json);
        }
        return m.group(1);
    }

    /** Whether the JVM that runs the application is alive. */
    public boolean alive() {
        return jvms().anyMatch(ProcessHandle::isAlive);
    }

    /** The JVM that runs the application: the child itself, or the one Maven started for dev mode. */
    private Stream<ProcessHandle> jvms() {
        return underMaven ? process.descendants().filter(p -> p.info().command().orElse("").endsWith("java"))
                : Stream.of(process.toHandle());
    }

    /** SIGKILL to the JVM that runs the application: no shutdown hook, no last commit. */
    public void killNine() throws InterruptedException {
        List<ProcessHandle> jvms = jvms().filter(ProcessHandle::isAlive).toList();
        assertThat(jvms).as("the application's JVM, alive until now").isNotEmpty();
        jvms.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor();
    }

    /**
     * Stops the child as Ctrl-C would, and kills what is still running 30 s later (its servers
     * included, should it have started its own).
     */
    public void stop() throws InterruptedException {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        for (ProcessHandle p : tree) {
            try {
                p.onExit().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                p.destroyForcibly();
            }
        }
    }

    private void killTree() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    /**
     * The whole system as a built application ({@code target/local-app}, which the build makes
     * before the tests: quarkus:build local-app in pom.xml), started in seconds where
     * {@code ./mvnw quarkus:dev} takes Maven's 20 s and a dev-mode build.
     */
    private static Path localApplication() throws IOException {
        Path dir = Path.of("target", "local-app");
        Path jar;
        try (Stream<Path> files = Files.list(dir)) {
            jar = files.filter(p -> p.getFileName().toString().endsWith("-runner.jar"))
                    .max(Comparator.comparing(DevChild::modified))
                    .orElseThrow(() -> new IllegalStateException("no runner jar in " + dir));
        } catch (NoSuchFileException e) {
            throw new IllegalStateException(dir + " is not built: ./mvnw process-test-classes builds it", e);
        }
        // Run from an IDE or with -Dlocal-app.skip=true, the tests would otherwise kill older code.
        // (The sources, not target/classes: the dev-mode child of DevRestartTest compiles into it.)
        for (Path sources : List.of(Path.of("src", "main"), Path.of("engine", "src", "main"), Path.of("functions"))) {
            try (Stream<Path> files = Files.walk(sources)) {
                Optional<Path> newer = files.filter(Files::isRegularFile)
                        .filter(p -> modified(p).compareTo(modified(jar)) > 0).findAny();
                if (newer.isPresent()) {
                    throw new IllegalStateException(jar + " is older than " + newer.get()
                            + ": ./mvnw process-test-classes builds it again");
                }
            }
        }
        return jar;
    }

    private static FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
