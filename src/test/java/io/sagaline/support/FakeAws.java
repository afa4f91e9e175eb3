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
 * GetSecretValue from the secrets it is given, Step Functions' StartExecution (recording the
 * execution; the same name again is the same execution, as for the same input in AWS) and KMS's
 * GenerateDataKey, Encrypt and Decrypt (with a key of its own, the encryption context bound in), Sign and
 * GetPublicKey (with an EC key pair of its own). It
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
    private final List<String> kmsContexts = new CopyOnWriteArrayList<>();
    private final List<byte[]> otlpTraces = new CopyOnWriteArrayList<>();
    private final java.security.KeyPair signingKey = ecKeyPair();
    private final javax.crypto.SecretKey kmsKey = new javax.crypto.spec.SecretKeySpec(
            new java.security.SecureRandom().generateSeed(32), "AES");

    public FakeAws() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        // an OpenTelemetry collector's OTLP/HTTP traces endpoint (ADOT's layer, in AWS): each export kept as sent
        server.createContext("/v1/traces", exchange -> {
            otlpTraces.add(exchange.getRequestBody().readAllBytes());
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
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
            } else if (target != null && target.startsWith("TrentService.")) {
                byte[][] answer = kms(target.substring("TrentService.".length()), request);
                status = answer[0][0] == 0 ? 200 : 400;
                body = answer[1];
            } else if (!"secretsmanager.GetSecretValue".equals(target)) {
                status = 400;
                body = error("UnknownOperationException",
                        "only GetSecretValue, StartExecution and KMS's data keys are answered here");
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

    /**
     * KMS's GenerateDataKey, Encrypt and Decrypt of a key of this fake: a "ciphertext blob" is the key
     * id and AES-GCM of the plaintext with the encryption context as associated data, so that
     * Decrypt with another context (or of a changed blob) fails with InvalidCiphertextException, as KMS does.
     */
    private byte[][] kms(String operation, JsonNode request) throws IOException {
        java.util.TreeMap<String, String> context = new java.util.TreeMap<>();
        request.path("EncryptionContext").fields().forEachRemaining(e -> context.put(e.getKey(), e.getValue().asText()));
        kmsContexts.add(operation + " " + context);
        try {
            switch (operation) {
                case "GenerateDataKey", "Encrypt" -> {
                    byte[] plaintext;
                    if (operation.equals("Encrypt")) {
                        plaintext = java.util.Base64.getDecoder().decode(request.path("Plaintext").asText());
                    } else {
                        plaintext = new byte[32];
                        new java.security.SecureRandom().nextBytes(plaintext);
                    }
                    String keyId = request.path("KeyId").asText();
                    byte[] nonce = new byte[12];
                    new java.security.SecureRandom().nextBytes(nonce);
                    javax.crypto.Cipher aes = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
                    aes.init(javax.crypto.Cipher.ENCRYPT_MODE, kmsKey, new javax.crypto.spec.GCMParameterSpec(128, nonce));
                    aes.updateAAD((keyId + context).getBytes(StandardCharsets.UTF_8));
                    byte[] sealed = aes.doFinal(plaintext);
                    byte[] id = keyId.getBytes(StandardCharsets.UTF_8);
                    byte[] blob = java.nio.ByteBuffer.allocate(2 + id.length + 12 + sealed.length).putShort((short) id.length)
                            .put(id).put(nonce).put(sealed).array();
                    Map<String, String> answer = new java.util.HashMap<>(Map.of("KeyId", keyId, "CiphertextBlob",
                            java.util.Base64.getEncoder().encodeToString(blob)));
                    if (operation.equals("GenerateDataKey")) {
                        answer.put("Plaintext", java.util.Base64.getEncoder().encodeToString(plaintext));
                    }
                    return new byte[][] { { 0 }, JSON.writeValueAsBytes(answer) };
                }
                case "Sign" -> {
                    // an asymmetric key of this fake (ECC_NIST_P256): ECDSA over SHA-256, DER, as KMS answers
                    java.security.Signature ecdsa = java.security.Signature.getInstance("SHA256withECDSA");
                    ecdsa.initSign(signingKey.getPrivate());
                    ecdsa.update(java.util.Base64.getDecoder().decode(request.path("Message").asText()));
                    return new byte[][] { { 0 }, JSON.writeValueAsBytes(Map.of("KeyId", request.path("KeyId").asText(),
                            "SigningAlgorithm", "ECDSA_SHA_256",
                            "Signature", java.util.Base64.getEncoder().encodeToString(ecdsa.sign()))) };
                }
                case "GetPublicKey" -> {
                    return new byte[][] { { 0 }, JSON.writeValueAsBytes(Map.of("KeyId", request.path("KeyId").asText(),
                            "KeySpec", "ECC_NIST_P256", "KeyUsage", "SIGN_VERIFY",
                            "PublicKey", java.util.Base64.getEncoder().encodeToString(signingKey.getPublic().getEncoded()))) };
                }
                case "Decrypt" -> {
                    java.nio.ByteBuffer blob = java.nio.ByteBuffer
                            .wrap(java.util.Base64.getDecoder().decode(request.path("CiphertextBlob").asText()));
                    byte[] id = new byte[blob.getShort()];
                    blob.get(id);
                    byte[] nonce = new byte[12];
                    blob.get(nonce);
                    byte[] sealed = new byte[blob.remaining()];
                    blob.get(sealed);
                    String keyId = new String(id, StandardCharsets.UTF_8);
                    if (request.hasNonNull("KeyId") && !request.get("KeyId").asText().equals(keyId)) {
                        return new byte[][] { { 1 }, error("IncorrectKeyException", "the key is not the one the blob names") };
                    }
                    javax.crypto.Cipher aes = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
                    aes.init(javax.crypto.Cipher.DECRYPT_MODE, kmsKey, new javax.crypto.spec.GCMParameterSpec(128, nonce));
                    aes.updateAAD((keyId + context).getBytes(StandardCharsets.UTF_8));
                    byte[] plaintext = aes.doFinal(sealed);
                    return new byte[][] { { 0 }, JSON.writeValueAsBytes(
                            Map.of("KeyId", keyId, "Plaintext", java.util.Base64.getEncoder().encodeToString(plaintext))) };
                }
                default -> {
                    return new byte[][] { { 1 },
                            error("UnknownOperationException", "KMS " + operation + " is not answered here") };
                }
            }
        } catch (java.security.GeneralSecurityException | RuntimeException e) {
            return new byte[][] { { 1 }, error("InvalidCiphertextException", "") };
        }
    }

    private static java.security.KeyPair ecKeyPair() {
        try {
            java.security.KeyPairGenerator ec = java.security.KeyPairGenerator.getInstance("EC");
            ec.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
            return ec.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The KMS operations asked, each with its encryption context: {@code GenerateDataKey {service=customers, ...}}. */
    public List<String> kmsContexts() {
        return kmsContexts;
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

    /** The OTLP trace exports received so far (protobuf ExportTraceServiceRequest bodies). */
    public List<byte[]> otlpTraces() {
        return List.copyOf(otlpTraces);
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
