package io.sagaline.access;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.config.ConfigMapping;

/**
 * The fixed keys of a laptop and of the tests ({@code sagaline.access.seed-keys."<key>"=<tenant>},
 * dev and test profiles only): made sure of at start, with every scope, so that the README's
 * {@code local-demo-key} works from a fresh clone. AWS has none: its keys are made with
 * {@code manage-api-keys}.
 */
@ApplicationScoped
public class KeySeeds {

    @ConfigMapping(prefix = "sagaline.access")
    public interface Config {
        /** key -> tenant. */
        Map<String, String> seedKeys();

        /** A seed key's own rate limit ({@code "<per second>/<burst>"}), by key; none: the default. */
        Map<String, String> seedKeyRateLimits();
    }

    void seed(@Observes StartupEvent start, Config config, ApiKeys keys) {
        config.seedKeys().forEach((key, tenant) -> keys.seed(key, tenant,
                io.sagaline.platform.http.RateLimiter.Limit.parse(config.seedKeyRateLimits().get(key))));
    }
}
