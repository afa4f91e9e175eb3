package io.sagaline.platform.http;

import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.config.ConfigMapping;

/** Resolves the tenant an {@code x-api-key} names. Keys come from configuration, never from code. */
@ApplicationScoped
public class Tenants {

    @ConfigMapping(prefix = "sagaline.tenancy")
    public interface ApiKeys {
        /** api key -> tenant. */
        Map<String, String> apiKeys();
    }

    private final Map<String, String> tenantByKey;

    Tenants(ApiKeys config) {
        this.tenantByKey = Map.copyOf(config.apiKeys());
    }

    public Optional<String> tenantFor(String apiKey) {
        return apiKey == null ? Optional.empty() : Optional.ofNullable(tenantByKey.get(apiKey));
    }
}
