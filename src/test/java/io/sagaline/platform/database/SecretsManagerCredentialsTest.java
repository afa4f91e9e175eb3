package io.sagaline.platform.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import io.quarkus.credentials.CredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * A function reads its database role from Secrets Manager: the SDK's GetSecretValue call, the
 * secret's {@code username}/{@code password}, kept for the refresh period and read again after it
 * (a rotated password reaches new connections). There is no AWS here: the endpoint is a small
 * HTTP server that answers GetSecretValue in the service's JSON protocol and records the requests.
 */
class SecretsManagerCredentialsTest {

    private static final String ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:sagaline-dev/database/orders-AbCdEf";
    private static final ObjectMapper JSON = new ObjectMapper();

    private HttpServer server;
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    private final List<String> targets = new CopyOnWriteArrayList<>();
    private final AtomicReference<String> secret = new AtomicReference<>(
            "{\"username\":\"svc_orders\",\"password\":\"first-password\",\"schema\":\"orders\"}");
    private SecretsManagerClient client;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            requests.add(JSON.readTree(exchange.getRequestBody()));
            targets.add(exchange.getRequestHeaders().getFirst("X-Amz-Target"));
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            byte[] body;
            int status;
            if (authorization == null || !authorization.startsWith("AWS4-HMAC-SHA256 ")) {
                status = 403;
                body = "{\"__type\":\"UnrecognizedClientException\",\"message\":\"unsigned\"}".getBytes(StandardCharsets.UTF_8);
            } else if (!ARN.equals(requests.get(requests.size() - 1).path("SecretId").asText())) {
                status = 400;
                body = "{\"__type\":\"ResourceNotFoundException\",\"message\":\"Secrets Manager can't find the specified secret.\"}"
                        .getBytes(StandardCharsets.UTF_8);
            } else {
                status = 200;
                body = JSON.writeValueAsBytes(Map.of("ARN", ARN, "Name", "sagaline-dev/database/orders",
                        "SecretString", secret.get(), "VersionId", "v1", "CreatedDate", 1.7e9));
            }
            exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        client = SecretsManagerClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.EU_WEST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")))
                .endpointOverride(URI.create("http://127.0.0.1:" + server.getAddress().getPort())).build();
    }

    @AfterEach
    void stop() {
        client.close();
        server.stop(0);
    }

    @Test
    void readsTheRoleFromTheSecret_withASignedGetSecretValue() {
        DatabaseSecrets.Credentials credentials = secrets().read(ARN);

        assertThat(credentials.username()).isEqualTo("svc_orders");
        assertThat(credentials.password()).isEqualTo("first-password");
        assertThat(credentials.toString()).doesNotContain("first-password");
        assertThat(targets).containsExactly("secretsmanager.GetSecretValue");
        assertThat(requests.get(0).path("SecretId").asText()).isEqualTo(ARN);
    }

    @Test
    void anUnknownSecret_failsTheRead() {
        assertThatThrownBy(() -> secrets().read(ARN + "-gone"))
                .hasMessageContaining("can't find the specified secret");
    }

    @Test
    void aSecretWithoutPassword_orNotJson_isRefused_withoutQuotingIt() {
        secret.set("{\"username\":\"svc_orders\"}");
        assertThatThrownBy(() -> secrets().read(ARN)).isInstanceOf(IllegalStateException.class)
                .hasMessage("secret " + ARN + " lacks a username or a password");
        secret.set("hunter2-not-json");
        assertThatThrownBy(() -> secrets().read(ARN)).isInstanceOf(IllegalStateException.class)
                .hasMessage("secret " + ARN + " is not a JSON object").hasNoCause();
    }

    @Test
    void theProvider_keepsTheCredentialsForItsRefreshPeriod_thenReadsTheRotatedOnes() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-30T10:00:00Z"));
        SecretsManagerCredentialsProvider provider = provider(Optional.of(ARN), clock);

        assertThat(provider.getCredentials("sagaline-database")).isEqualTo(
                Map.of(CredentialsProvider.USER_PROPERTY_NAME, "svc_orders", CredentialsProvider.PASSWORD_PROPERTY_NAME,
                        "first-password"));
        secret.set("{\"username\":\"svc_orders\",\"password\":\"rotated-password\"}");
        clock.advance(Duration.ofMinutes(4));
        assertThat(provider.getCredentials("sagaline-database")).containsEntry(CredentialsProvider.PASSWORD_PROPERTY_NAME,
                "first-password");
        assertThat(requests).hasSize(1);

        clock.advance(Duration.ofMinutes(1));
        assertThat(provider.getCredentialsAsync("sagaline-database").await().atMost(Duration.ofSeconds(10)))
                .containsEntry(CredentialsProvider.PASSWORD_PROPERTY_NAME, "rotated-password");
        assertThat(requests).hasSize(2);
    }

    @Test
    void withoutASecret_theProviderAnswersNothing_andTheConfiguredCredentialsStand() {
        assertThat(provider(Optional.empty(), Clock.systemUTC()).getCredentials("sagaline-database")).isEmpty();
        assertThat(requests).isEmpty();
    }

    private DatabaseSecrets secrets() {
        DatabaseSecrets secrets = new DatabaseSecrets();
        secrets.secretsManager = client;
        secrets.json = JSON;
        return secrets;
    }

    private SecretsManagerCredentialsProvider provider(Optional<String> arn, Clock clock) {
        SecretsManagerCredentialsProvider provider = new SecretsManagerCredentialsProvider();
        provider.secrets = secrets();
        provider.secretArn = arn;
        provider.refresh = Duration.ofMinutes(5);
        provider.clock = clock;
        return provider;
    }

    private static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
