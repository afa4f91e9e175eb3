package io.sagaline.platform.database;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Reads a database role's credentials from its AWS Secrets Manager secret: a JSON object with
 * {@code username} and {@code password}, the shape RDS uses for the cluster's own master secret and
 * Terraform for each service's secret (which RDS Proxy authenticates with too).
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
    SecretsManagerClient secretsManager;

    @Inject
    ObjectMapper json;

    public Credentials read(String secretArn) {
        String secret = secretsManager.getSecretValue(request -> request.secretId(secretArn)).secretString();
        return parse(secretArn, secret);
    }

    Credentials parse(String secretArn, String secret) {
        JsonNode node;
        try {
            node = json.readTree(secret == null ? "" : secret);
        } catch (JsonProcessingException e) {
            // Never the exception's message: it would quote the secret.
            throw new IllegalStateException("secret " + secretArn + " is not a JSON object");
        }
        if (node == null || !node.isObject()) {
            throw new IllegalStateException("secret " + secretArn + " is not a JSON object");
        }
        try {
            return new Credentials(node.path("username").asText(null), node.path("password").asText(null));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("secret " + secretArn + " lacks a username or a password");
        }
    }

}
