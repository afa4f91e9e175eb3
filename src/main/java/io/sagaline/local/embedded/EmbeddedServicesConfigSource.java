package io.sagaline.local.embedded;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.quarkus.runtime.LaunchMode;
import io.sagaline.local.LocalStepFunctions;
import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;

/**
 * In the dev and test profiles, answers the connection settings of PostgreSQL, Redis and SQS with
 * embedded servers, started the first time a setting is asked for. Its ordinal is below every
 * ordinary source, so a real server configured the usual Quarkus way (environment variables,
 * system properties, application.properties) wins and the embedded one never starts.
 * It also names the local ARN of every state machine in the catalog.
 * <p>
 * Where the servers keep their data and which ports they listen on: {@code sagaline.local.data-dir}
 * (default {@code .sagaline}), {@code sagaline.local.postgres.port}, {@code .redis.port},
 * {@code .sqs.port} (55432, 56379, 9324) and {@code sagaline.local.postgres.durable} (default
 * false: fsync off), in dev mode; tests always use a temporary directory and free ports. In both,
 * {@code sagaline.local.postgres.statement-log=true} makes PostgreSQL write a CSV log a benchmark can
 * read every statement back from (bench/README.md).
 */
public class EmbeddedServicesConfigSource implements ConfigSource {

    public static class Factory implements ConfigSourceFactory {
        @Override
        public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
            List<String> profiles = context.getProfiles();
            boolean dev = profiles.contains("dev");
            boolean local = dev || profiles.contains("test");
            // The build of the local application (target/local-app, profiles local-build,dev) reads
            // every source's values too, in Maven's JVM: the servers start where it runs, not there.
            if (!local || profiles.contains("local-build")) {
                return List.of();
            }
            // Dev mode keeps its data in .sagaline/ (git ignores it, ./mvnw clean keeps it) on fixed
            // ports, each of which can be set. Tests always take free ports and a temporary
            // directory: a setting meant for dev mode (an environment variable applies to every
            // profile) must never point a test run at a developer's data and servers.
            boolean statementLog = Boolean.parseBoolean(setting(context, "sagaline.local.postgres.statement-log", "false"));
            EmbeddedServices.configure(dev
                    ? new EmbeddedServices.Settings(
                            java.nio.file.Path.of(setting(context, "sagaline.local.data-dir", ".sagaline")).toAbsolutePath(),
                            Integer.parseInt(setting(context, "sagaline.local.postgres.port", "55432")),
                            Integer.parseInt(setting(context, "sagaline.local.redis.port", "56379")),
                            Integer.parseInt(setting(context, "sagaline.local.sqs.port", "9324")),
                            Boolean.parseBoolean(setting(context, "sagaline.local.postgres.durable", "false")), statementLog)
                    : new EmbeddedServices.Settings(null, 0, 0, 0, false, statementLog));
            return List.of(new EmbeddedServicesConfigSource(LaunchMode.current() == LaunchMode.NORMAL));
        }
    }

    private static boolean overridden(String propertyName) {
        String env = propertyName.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
        return System.getProperty(propertyName) != null || System.getenv(env) != null;
    }

    private static String setting(ConfigSourceContext context, String name, String fallback) {
        var value = context.getValue(name);
        return value == null || value.getValue() == null ? fallback : value.getValue();
    }

    private static final Map<String, Supplier<String>> VALUES = Map.of(
            "quarkus.datasource.jdbc.url", () -> "jdbc:postgresql://localhost:" + EmbeddedServices.postgresPort() + "/postgres",
            "quarkus.datasource.reactive.url", () -> "postgresql://localhost:" + EmbeddedServices.postgresPort() + "/postgres",
            "quarkus.datasource.username", () -> "postgres",
            "quarkus.datasource.password", () -> "postgres",
            "quarkus.redis.hosts", () -> "redis://127.0.0.1:" + EmbeddedServices.redisPort(),
            "sagaline.local.sqs.endpoint", () -> "http://localhost:" + EmbeddedServices.sqsPort());

    /*
     * Where the Lambda extension polls for invocations. Dev mode and tests have its mock event
     * server; the built local application (java -jar target/local-app/...) has none, and without a
     * runtime API the extension stops the application. It gets one that never hands out an
     * invocation: the local runtime invokes its functions itself.
     */
    private static final String LAMBDA_RUNTIME_API = "quarkus-internal.aws-lambda.test-api";

    private final boolean builtApplication;
    private final Set<String> names;

    private EmbeddedServicesConfigSource(boolean builtApplication) {
        this.builtApplication = builtApplication;
        Set<String> all = new HashSet<>(VALUES.keySet());
        if (builtApplication) {
            all.add(LAMBDA_RUNTIME_API);
        }
        this.names = Set.copyOf(all);
    }

    @Override
    public Set<String> getPropertyNames() {
        return names;
    }

    @Override
    public String getValue(String propertyName) {
        Supplier<String> value = VALUES.get(propertyName);
        if (value != null) {
            // Quarkus reads every source's value of every name it lists, also when a higher source
            // wins (at build time, for instance): a server configured through the environment or a
            // system property must not start an embedded one, on its port and data directory.
            return overridden(propertyName) ? null : value.get();
        }
        if (builtApplication && propertyName.equals(LAMBDA_RUNTIME_API)) {
            return IdleLambdaRuntimeApi.address();
        }
        if (propertyName.startsWith("sagaline.state-machines.") && propertyName.endsWith(".arn")) {
            String name = propertyName.substring("sagaline.state-machines.".length(), propertyName.length() - 4);
            return LocalStepFunctions.stateMachineArn(name);
        }
        return null;
    }

    @Override
    public String getName() {
        return "sagaline-embedded-services";
    }

    @Override
    public int getOrdinal() {
        return 150;
    }

}
