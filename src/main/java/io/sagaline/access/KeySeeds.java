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

        /** The seed keys' own rate limit ({@code "<per second>/<burst>"}); none: the default. */
        java.util.Optional<String> seedKeysRateLimit();
    }

    void seed(@Observes StartupEvent start, Config config, ApiKeys keys) {
        java.util.Optional<io.sagaline.platform.http.RateLimiter.Limit> limit = config.seedKeysRateLimit()
                .flatMap(io.sagaline.platform.http.RateLimiter.Limit::parse);
        config.seedKeys().forEach((key, tenant) -> keys.seed(key, tenant, limit));
    }
}
