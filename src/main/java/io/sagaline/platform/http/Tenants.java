package io.sagaline.platform.http;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;

import io.sagaline.platform.aws.RefreshingSecret;
import io.sagaline.platform.aws.Secrets;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Resolves the tenant an {@code x-api-key} names. Keys come from configuration or, in AWS, from the
 * API keys' secret ({@code SAGALINE_TENANCY_SECRET_ARN}: a JSON object of key => tenant,
 * which Terraform fills from its {@code api_keys} variable), never from code. The secret is read
 * again after {@code sagaline.tenancy.secret-refresh}, so a key added or revoked there takes
 * effect without a deployment.
 */
@ApplicationScoped
public class Tenants {

    @ConfigMapping(prefix = "sagaline.tenancy")
    public interface ApiKeys {
        /** api key -> tenant. */
        Map<String, String> apiKeys();

        /**
         * The secret of further keys (key -> tenant), in AWS. Named apart from {@code api-keys}, so
         * that its environment variable cannot be read as an entry of that map.
         */
        Optional<String> secretArn();

        @WithDefault("PT5M")
        Duration secretRefresh();
    }

    private final Map<String, String> tenantByKey;
    private final Optional<RefreshingSecret<Map<String, String>>> secret;

    Tenants(ApiKeys config, Secrets secrets) {
        this.tenantByKey = Map.copyOf(config.apiKeys());
        this.secret = config.secretArn()
                .map(arn -> new RefreshingSecret<>(secrets, arn, config.secretRefresh(), Clock.systemUTC(), Tenants::keys));
    }

    public Optional<String> tenantFor(String apiKey) {
        if (apiKey == null || apiKey.isEmpty()) {
            return Optional.empty();
        }
        String tenant = tenantByKey.get(apiKey);
        if (tenant == null && secret.isPresent()) {
            tenant = secret.get().get().get(apiKey);
        }
        return Optional.ofNullable(tenant);
    }

    /** The secret's keys; a key whose tenant is not a plain text is refused with the secret, not skipped. */
    static Map<String, String> keys(String secretArn, JsonNode secret) {
        Map<String, String> keys = new HashMap<>();
        secret.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual() || e.getValue().asText().isBlank() || e.getKey().isEmpty()) {
                throw new IllegalStateException("secret " + secretArn + " maps a key to something other than a tenant name");
            }
            keys.put(e.getKey(), e.getValue().asText());
        });
        return Map.copyOf(keys);
    }
}
