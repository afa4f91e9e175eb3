package io.sagaline.platform.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.credentials.CredentialsProvider;
import io.sagaline.platform.aws.Secrets;
import io.sagaline.support.FakeAws;
import io.sagaline.support.ManualClock;

/**
 * A function reads its database role from Secrets Manager: the SDK's signed GetSecretValue call,
 * the secret's {@code username}/{@code password}, kept for the refresh period and read again after
 * it (a rotated password reaches new connections). There is no AWS here: {@link FakeAws}
 * answers in the service's protocol.
 */
class SecretsManagerCredentialsTest {

    private static final String ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:sagaline-dev/database/orders-AbCdEf";

    private FakeAws aws;

    @BeforeEach
    void start() throws IOException {
        aws = new FakeAws().put(ARN,
                "{\"username\":\"svc_orders\",\"password\":\"first-password\",\"schema\":\"orders\"}");
    }

    @AfterEach
    void stop() {
        aws.close();
    }

    @Test
    void readsTheRoleFromTheSecret_withASignedGetSecretValue() {
        Secrets.Credentials credentials = aws.secrets().readCredentials(ARN);

        assertThat(credentials.username()).isEqualTo("svc_orders");
        assertThat(credentials.password()).isEqualTo("first-password");
        assertThat(credentials.toString()).doesNotContain("first-password");
        assertThat(aws.requestedIds()).containsExactly(ARN);
    }

    @Test
    void anUnknownSecret_failsTheRead() {
        assertThatThrownBy(() -> aws.secrets().readCredentials(ARN + "-gone"))
                .hasMessageContaining("can't find the specified secret");
    }

    @Test
    void aSecretWithoutPassword_orNotJson_isRefused_withoutQuotingIt() {
        aws.put(ARN, "{\"username\":\"svc_orders\"}");
        assertThatThrownBy(() -> aws.secrets().readCredentials(ARN)).isInstanceOf(IllegalStateException.class)
                .hasMessage("secret " + ARN + " lacks a username or a password");
        aws.put(ARN, "hunter2-not-json");
        assertThatThrownBy(() -> aws.secrets().readCredentials(ARN)).isInstanceOf(IllegalStateException.class)
                .hasMessage("secret " + ARN + " is not a JSON object").hasNoCause();
        aws.put(ARN, "[\"hunter2\"]");
        assertThatThrownBy(() -> aws.secrets().readCredentials(ARN)).hasMessage("secret " + ARN + " is not a JSON object");
    }

    @Test
    void theProvider_keepsTheCredentialsForItsRefreshPeriod_thenReadsTheRotatedOnes() {
        ManualClock clock = new ManualClock(Instant.parse("2026-11-30T10:00:00Z"));
        SecretsManagerCredentialsProvider provider = provider(Optional.of(ARN), clock);

        assertThat(provider.getCredentials("sagaline-database")).isEqualTo(Map.of(CredentialsProvider.USER_PROPERTY_NAME,
                "svc_orders", CredentialsProvider.PASSWORD_PROPERTY_NAME, "first-password"));
        aws.put(ARN, "{\"username\":\"svc_orders\",\"password\":\"rotated-password\"}");
        clock.advance(Duration.ofMinutes(4));
        assertThat(provider.getCredentials("sagaline-database")).containsEntry(CredentialsProvider.PASSWORD_PROPERTY_NAME,
                "first-password");
        assertThat(aws.requestedIds()).hasSize(1);

        clock.advance(Duration.ofMinutes(1));
        assertThat(provider.getCredentialsAsync("sagaline-database").await().atMost(Duration.ofSeconds(10)))
                .containsEntry(CredentialsProvider.PASSWORD_PROPERTY_NAME, "rotated-password");
        assertThat(aws.requestedIds()).hasSize(2);
    }

    @Test
    void whenARefreshFails_theLastCredentialsServeOn_andTheReadIsTriedAgainSoon_butAFirstReadMustSucceed() {
        ManualClock clock = new ManualClock(Instant.parse("2026-11-30T10:00:00Z"));
        SecretsManagerCredentialsProvider provider = provider(Optional.of(ARN), clock);
        assertThat(provider.getCredentials("sagaline-database")).containsEntry(CredentialsProvider.PASSWORD_PROPERTY_NAME,
                "first-password");

        aws.remove(ARN);
        clock.advance(Duration.ofMinutes(5));
        assertThat(provider.getCredentials("sagaline-database")).containsEntry(CredentialsProvider.PASSWORD_PROPERTY_NAME,
                "first-password");
        assertThat(aws.requestedIds()).hasSize(2);
        clock.advance(Duration.ofSeconds(20));
        provider.getCredentials("sagaline-database");
        assertThat(aws.requestedIds()).as("no read before the retry is due").hasSize(2);

        aws.put(ARN, "{\"username\":\"svc_orders\",\"password\":\"rotated-password\"}");
        clock.advance(Duration.ofSeconds(10));
        assertThat(provider.getCredentials("sagaline-database")).containsEntry(CredentialsProvider.PASSWORD_PROPERTY_NAME,
                "rotated-password");
        assertThat(aws.requestedIds()).hasSize(3);

        aws.remove(ARN);
        assertThatThrownBy(() -> provider(Optional.of(ARN), clock).getCredentials("sagaline-database"))
                .hasMessageContaining("can't find the specified secret");
    }

    @Test
    void withoutASecret_theProviderAnswersNothing_andTheConfiguredCredentialsStand() {
        assertThat(provider(Optional.empty(), Clock.systemUTC()).getCredentials("sagaline-database")).isEmpty();
        assertThat(aws.requestedIds()).isEmpty();
    }

    private SecretsManagerCredentialsProvider provider(Optional<String> arn, Clock clock) {
        SecretsManagerCredentialsProvider provider = new SecretsManagerCredentialsProvider();
        provider.secrets = aws.secrets();
        provider.secretArn = arn;
        provider.refresh = Duration.ofMinutes(5);
        provider.clock = clock;
        provider.init();
        return provider;
    }
}
