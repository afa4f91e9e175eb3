package io.sagaline.platform.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.sagaline.support.FakeAws;

/**
 * In AWS the API keys live in a secret (key => tenant) that Terraform fills: a key there names its
 * tenant, a key removed from it stops working once the functions read it again, and a malformed
 * secret is refused rather than half used.
 */
class TenantsFromSecretTest {

    private static final String ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:sagaline-dev/api-keys-AbCdEf";

    private FakeAws aws;

    @BeforeEach
    void start() throws IOException {
        aws = new FakeAws().put(ARN,
                "{\"key-of-acme-0123456789abcdef\":\"acme\",\"key-of-globex-0123456789ab\":\"globex\"}");
    }

    @AfterEach
    void stop() {
        aws.close();
    }

    @Test
    void aKeyInTheSecret_namesItsTenant_andAnyOtherKeyNamesNone() {
        Tenants tenants = tenants(Map.of(), Optional.of(ARN), Duration.ofMinutes(5));

        assertThat(tenants.tenantFor("key-of-acme-0123456789abcdef")).contains("acme");
        assertThat(tenants.tenantFor("key-of-globex-0123456789ab")).contains("globex");
        assertThat(tenants.tenantFor("key-of-nobody")).isEmpty();
        assertThat(tenants.tenantFor("")).isEmpty();
        assertThat(tenants.tenantFor(null)).isEmpty();
        assertThat(aws.requestedIds()).as("one read serves every request within the refresh period").containsExactly(ARN);
    }

    @Test
    void aKeyRemovedFromTheSecret_stopsWorking_whenTheSecretIsReadAgain() {
        Tenants tenants = tenants(Map.of(), Optional.of(ARN), Duration.ZERO);
        assertThat(tenants.tenantFor("key-of-globex-0123456789ab")).contains("globex");

        aws.put(ARN, "{\"key-of-acme-0123456789abcdef\":\"acme\"}");

        assertThat(tenants.tenantFor("key-of-globex-0123456789ab")).isEmpty();
        assertThat(tenants.tenantFor("key-of-acme-0123456789abcdef")).contains("acme");
    }

    @Test
    void configuredKeys_needNoSecret() {
        Tenants tenants = tenants(Map.of("local-demo-key", "demo"), Optional.empty(), Duration.ofMinutes(5));

        assertThat(tenants.tenantFor("local-demo-key")).contains("demo");
        assertThat(tenants.tenantFor("key-of-acme-0123456789abcdef")).isEmpty();
        assertThat(aws.requestedIds()).isEmpty();
    }

    @Test
    void aSecretMappingAKeyToAnythingButATenantName_isRefused() {
        aws.put(ARN, "{\"key-of-acme-0123456789abcdef\":{\"tenant\":\"acme\"}}");
        Tenants tenants = tenants(Map.of(), Optional.of(ARN), Duration.ofMinutes(5));

        assertThatThrownBy(() -> tenants.tenantFor("key-of-acme-0123456789abcdef")).isInstanceOf(IllegalStateException.class)
                .hasMessage("secret " + ARN + " maps a key to something other than a tenant name");
    }

    private Tenants tenants(Map<String, String> configured, Optional<String> arn, Duration refresh) {
        return new Tenants(new Tenants.ApiKeys() {
            @Override
            public Map<String, String> apiKeys() {
                return configured;
            }

            @Override
            public Optional<String> secretArn() {
                return arn;
            }

            @Override
            public Duration secretRefresh() {
                return refresh;
            }
        }, aws.secrets());
    }
}
