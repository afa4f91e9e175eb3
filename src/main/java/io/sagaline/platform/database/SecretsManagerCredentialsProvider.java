package io.sagaline.platform.database;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.credentials.CredentialsProvider;
import io.sagaline.platform.aws.RefreshingSecret;
import io.sagaline.platform.aws.Secrets;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * The datasource's credentials in AWS: the role of this function's service, read from the secret
 * {@code sagaline.database.secret-arn} names (Terraform sets {@code SAGALINE_DATABASE_SECRET_ARN}).
 * Nothing of it lives in the function's configuration. The answer is kept for
 * {@code sagaline.database.secret-refresh}, so a rotated password reaches new connections without
 * a call to Secrets Manager per connection. Without a secret ARN (dev, test) it answers nothing
 * and the datasource keeps its configured username and password.
 */
@ApplicationScoped
@Named(SecretsManagerCredentialsProvider.NAME)
public class SecretsManagerCredentialsProvider implements CredentialsProvider {

    public static final String NAME = "sagaline-database";

    @ConfigProperty(name = "sagaline.database.secret-arn")
    Optional<String> secretArn;

    @ConfigProperty(name = "sagaline.database.secret-refresh", defaultValue = "PT5M")
    Duration refresh;

    @Inject
    Secrets secrets;

    Clock clock = Clock.systemUTC();

    private Optional<RefreshingSecret<Secrets.Credentials>> secret;

    @PostConstruct
    void init() {
        secret = secretArn.map(arn -> new RefreshingSecret<>(secrets, arn, refresh, clock, Secrets::credentials));
    }

    @Override
    public Map<String, String> getCredentials(String credentialsProviderName) {
        return secret.map(RefreshingSecret::get)
                .map(c -> Map.of(USER_PROPERTY_NAME, c.username(), PASSWORD_PROPERTY_NAME, c.password()))
                .orElse(Map.of());
    }

    /** A reactive pool asks from an event loop: the read from Secrets Manager blocks, so not there. */
    @Override
    public Uni<Map<String, String>> getCredentialsAsync(String credentialsProviderName) {
        return Uni.createFrom().item(() -> getCredentials(credentialsProviderName))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }
}
