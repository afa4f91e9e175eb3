package io.sagaline.platform.database;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.JsonNode;

import io.sagaline.platform.aws.Secrets;

/**
 * A database role's credentials in AWS Secrets Manager: a JSON object with {@code username} and
 * {@code password}, the shape RDS uses for the cluster's own master secret and Terraform for each
 * service's secret (which RDS Proxy authenticates with too).
 */
@ApplicationScoped
public class DatabaseSecrets {

    /** A database role and its password. The password never appears in {@link #toString()}. */
    public record Credentials(String username, String password) {

        public Credentials {
            if (username == null || username.isBlank() || password == null || password.isEmpty()) {
                throw new IllegalArgumentException("a database secret needs a username and a password");
            }
        }

        @Override
        public String toString() {
            return "Credentials[username=" + username + "]";
        }
    }

    @Inject
    Secrets secrets;

    public Credentials read(String secretArn) {
        return credentials(secretArn, secrets.readObject(secretArn));
    }

    static Credentials credentials(String secretArn, JsonNode secret) {
        try {
            return new Credentials(secret.path("username").asText(null), secret.path("password").asText(null));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("secret " + secretArn + " lacks a username or a password");
        }
    }
}
