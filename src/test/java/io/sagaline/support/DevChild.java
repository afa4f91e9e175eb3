package io.sagaline.support;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The whole system in a JVM of its own (the built local application, with the dev profile as
 * {@code ./mvnw quarkus:dev} runs it), on this test's database, Redis and SQS: what tests kill to
 * see what a dying process leaves behind.
 */
public record DevChild(Process jvm, int port, String log) {

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
                isolated(systemProperties));
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
     * Starts a child that runs its own embedded services, as {@code ./mvnw quarkus:dev} does for a
     * developer, with its data in {@code dataDir} and on the given ports.
     */
    public static DevChild startWithOwnServices(String name, java.nio.file.Path dataDir, int postgresPort, int redisPort,
            int sqsPort) throws Exception {
        return start(name, Map.of(), "sagaline.local.data-dir=" + dataDir.toAbsolutePath(),
                "sagaline.local.postgres.port=" + postgresPort, "sagaline.local.redis.port=" + redisPort,
                "sagaline.local.sqs.port=" + sqsPort);
    }

    private static DevChild start(String name, Map<String, String> environment, String... systemProperties) throws Exception {
        var config = ConfigProvider.getConfig();
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // C1 only: the child serves a handful of requests, and starts sooner
                "-XX:TieredStopAtLevel=1", "-Dquarkus.profile=dev", "-Dvertx.disableURIValidation=true",
                "-Dquarkus.http.port=" + port, "-Dsagaline.local.workers=1",
                // The queues are this JVM's: keep their settings.
                "-Dsagaline.local.queues.visibility-timeout-seconds="
                        + config.getValue("sagaline.local.queues.visibility-timeout-seconds", String.class)));
        for (String p : systemProperties) {
            command.add("-D" + p);
        }
        command.addAll(List.of("-jar", localApplication().toString()));
        String log = "target/" + name + ".log";
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(new File(log))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().putAll(environment);
        DevChild child = new DevChild(builder.start(), port, log);
        try {
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250)).until(() -> {
                if (!child.jvm().isAlive()) {
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

    public boolean alive() {
        return jvm.isAlive();
    }

    /** SIGKILL to the JVM that runs the application: no shutdown hook, no last commit. */
    public void killNine() throws InterruptedException {
        jvm.destroyForcibly();
        jvm.waitFor();
    }

    /** Stops the child as Ctrl-C would, and kills it if it is still running 30 s later. */
    public void stop() throws InterruptedException {
        jvm.destroy();
        if (!jvm.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            jvm.destroyForcibly();
            jvm.waitFor();
        }
    }

    private void killTree() {
        jvm.descendants().forEach(ProcessHandle::destroyForcibly);
        jvm.destroyForcibly();
    }

    /**
     * The whole system as a built application ({@code target/local-app}, which the build makes
     * before the tests: quarkus:build local-app in pom.xml), started in seconds where
     * {@code ./mvnw quarkus:dev} takes Maven's 20 s and a dev-mode build.
     */
    private static Path localApplication() throws IOException {
        Path dir = Path.of("target", "local-app");
        try (var jars = Files.list(dir)) {
            return jars.filter(p -> p.getFileName().toString().endsWith("-runner.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no runner jar in " + dir));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalStateException(dir + " is not built: ./mvnw process-test-classes builds it", e);
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
