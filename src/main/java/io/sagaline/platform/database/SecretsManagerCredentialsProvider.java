package io.sagaline.platform.database;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.credentials.CredentialsProvider;
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

    private record Cached(DatabaseSecrets.Credentials credentials, Instant readAt) {
    }

    @ConfigProperty(name = "sagaline.database.secret-arn")
    Optional<String> secretArn;

    @ConfigProperty(name = "sagaline.database.secret-refresh", defaultValue = "PT5M")
    Duration refresh;

    @Inject
    DatabaseSecrets secrets;

    Clock clock = Clock.systemUTC();

    private volatile Cached cached;

    @Override
    public Map<String, String> getCredentials(String credentialsProviderName) {
        if (secretArn.isEmpty()) {
            return Map.of();
        }
        DatabaseSecrets.Credentials credentials = current();
        return Map.of(USER_PROPERTY_NAME, credentials.username(), PASSWORD_PROPERTY_NAME, credentials.password());
    }

    /** A reactive pool asks from an event loop: the read from Secrets Manager blocks, so not there. */
    @Override
    public Uni<Map<String, String>> getCredentialsAsync(String credentialsProviderName) {
        return Uni.createFrom().item(() -> getCredentials(credentialsProviderName))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private DatabaseSecrets.Credentials current() {
        Cached seen = cached;
        Instant now = clock.instant();
        if (seen == null || !now.isBefore(seen.readAt().plus(refresh))) {
            synchronized (this) {
                seen = cached;
                if (seen == null || !now.isBefore(seen.readAt().plus(refresh))) {
                    seen = new Cached(secrets.read(secretArn.get()), now);
                    cached = seen;
                }
            }
        }
        return seen.credentials();
    }
}
