package io.sagaline.platform.aws;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Reads a JSON secret from AWS Secrets Manager. What goes wrong is reported by the secret's ARN,
 * never with its content.
 */
@ApplicationScoped
public class Secrets {

    private final SecretsManagerClient secretsManager;
    private final ObjectMapper json;

    @Inject
    public Secrets(SecretsManagerClient secretsManager, ObjectMapper json) {
        this.secretsManager = secretsManager;
        this.json = json;
    }

    /** A user and its password, as a secret holds them. The password never appears in {@link #toString()}. */
    public record Credentials(String username, String password) {

        public Credentials {
            if (username == null || username.isBlank() || password == null || password.isEmpty()) {
                throw new IllegalArgumentException("a secret needs a username and a password");
            }
        }

        @Override
        public String toString() {
            return "Credentials[username=" + username + "]";
        }
    }

    /**
     * The user a secret names: a JSON object with {@code username} and {@code password}, the shape
     * RDS uses for the cluster's own master secret and Terraform for the services' and the cache's.
     */
    public Credentials readCredentials(String secretArn) {
        return credentials(secretArn, readObject(secretArn));
    }

    /** The user in a secret's JSON object (read elsewhere); {@code secretArn} names it in the failure. */
    public static Credentials credentials(String secretArn, JsonNode secret) {
        try {
            return new Credentials(secret.path("username").asText(null), secret.path("password").asText(null));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("secret " + secretArn + " lacks a username or a password");
        }
    }

    /** The secret's current value, which must be a JSON object. */
    public JsonNode readObject(String secretArn) {
        return parseObject(secretArn, secretsManager.getSecretValue(request -> request.secretId(secretArn)).secretString());
    }

    JsonNode parseObject(String secretArn, String secret) {
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
        return node;
    }
}
