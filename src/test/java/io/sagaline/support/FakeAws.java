package io.sagaline.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import io.sagaline.platform.aws.Secrets;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * There is no AWS here: this answers, in the services' JSON protocols, Secrets Manager's
 * GetSecretValue from the secrets it is given and Step Functions' StartExecution (recording the
 * execution; the same name again is the same execution, as for the same input in AWS). It
 * refuses unsigned requests and records what it was asked. Point an SDK client (or a process,
 * with {@code AWS_ENDPOINT_URL_SECRETS_MANAGER} / {@code AWS_ENDPOINT_URL_SFN}) at
 * {@link #endpoint()}.
 */
public final class FakeAws implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Map<String, String> secrets = new ConcurrentHashMap<>();
    private final List<String> requestedIds = new CopyOnWriteArrayList<>();
    private final Map<String, JsonNode> executions = new ConcurrentHashMap<>();

    public FakeAws() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            JsonNode request = JSON.readTree(exchange.getRequestBody());
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            String secretId = request.path("SecretId").asText();
            byte[] body;
            int status;
            if (authorization == null || !authorization.startsWith("AWS4-HMAC-SHA256 ")) {
                status = 403;
                body = error("UnrecognizedClientException", "The security token included in the request is invalid.");
            } else if ("AWSStepFunctions.StartExecution".equals(target)) {
                String arn = request.path("stateMachineArn").asText().replace(":stateMachine:", ":execution:") + ":"
                        + request.path("name").asText();
                executions.putIfAbsent(arn, request);
                status = 200;
                body = JSON.writeValueAsBytes(Map.of("executionArn", arn, "startDate", 1.7e9));
            } else if (!"secretsmanager.GetSecretValue".equals(target)) {
                status = 400;
                body = error("UnknownOperationException", "only GetSecretValue and StartExecution are answered here");
            } else {
                requestedIds.add(secretId);
                String value = secrets.get(secretId);
                if (value == null) {
                    status = 400;
                    body = error("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
                } else {
                    status = 200;
                    body = JSON.writeValueAsBytes(Map.of("ARN", secretId, "Name", secretId.replaceAll("^.*:secret:", ""),
                            "SecretString", value, "VersionId", "v1", "CreatedDate", 1.7e9));
                }
            }
            exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    private static byte[] error(String type, String message) {
        return ("{\"__type\":\"" + type + "\",\"message\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    public FakeAws put(String arn, String value) {
        secrets.put(arn, value);
        return this;
    }

    public FakeAws remove(String arn) {
        secrets.remove(arn);
        return this;
    }

    /** The executions started: execution ARN => the StartExecution request. */
    public Map<String, JsonNode> executions() {
        return executions;
    }

    /** The SecretIds asked for, in order. */
    public List<String> requestedIds() {
        return requestedIds;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** A signed SDK client of this endpoint. */
    public SecretsManagerClient client() {
        return SecretsManagerClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.EU_WEST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "example")))
                .endpointOverride(endpoint()).build();
    }

    /** The application's reader of secrets, on {@link #client()}. */
    public Secrets secrets() {
        return new Secrets(client(), JSON);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
