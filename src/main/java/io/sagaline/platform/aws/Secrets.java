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
