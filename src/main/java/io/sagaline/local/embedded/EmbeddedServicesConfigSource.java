package io.sagaline.local.embedded;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.sagaline.local.LocalStepFunctions;
import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;

/**
 * In the dev and test profiles, answers the connection settings of PostgreSQL, Redis and SQS with
 * embedded servers, started the first time a setting is asked for. Its ordinal is below every
 * ordinary source, so a real server configured the usual Quarkus way (environment variables,
 * system properties, application.properties) wins and the embedded one never starts.
 * It also names the local ARN of every state machine in the catalog.
 */
public class EmbeddedServicesConfigSource implements ConfigSource {

    public static class Factory implements ConfigSourceFactory {
        @Override
        public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
            List<String> profiles = context.getProfiles();
            boolean local = profiles.contains("dev") || profiles.contains("test");
            return local ? List.of(new EmbeddedServicesConfigSource()) : List.of();
        }
    }

    private static final Map<String, Supplier<String>> VALUES = Map.of(
            "quarkus.datasource.jdbc.url", () -> "jdbc:postgresql://localhost:" + EmbeddedServices.postgresPort() + "/postgres",
            "quarkus.datasource.reactive.url", () -> "postgresql://localhost:" + EmbeddedServices.postgresPort() + "/postgres",
            "quarkus.datasource.username", () -> "postgres",
            "quarkus.datasource.password", () -> "postgres",
            "quarkus.redis.hosts", () -> "redis://127.0.0.1:" + EmbeddedServices.redisPort(),
            "sagaline.local.sqs.endpoint", () -> "http://localhost:" + EmbeddedServices.sqsPort());

    @Override
    public Set<String> getPropertyNames() {
        return VALUES.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        Supplier<String> value = VALUES.get(propertyName);
        if (value != null) {
            return value.get();
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
