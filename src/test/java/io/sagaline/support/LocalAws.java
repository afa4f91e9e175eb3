package io.sagaline.support;

import io.sagaline.local.LocalAwsClients;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.sfn.SfnClient;

/** The AWS SDK's clients as a caller on this machine uses them: only the endpoint changed. */
public final class LocalAws {

    private LocalAws() {
    }

    /** A Lambda client signing with the key the tests' runtime takes. */
    public static LambdaClient lambda() {
        return lambda("local", "local");
    }

    public static LambdaClient lambda(String accessKey, String secretKey) {
        return LambdaClient.builder().endpointOverride(LocalAwsClients.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    public static SfnClient sfn(String accessKey, String secretKey) {
        return SfnClient.builder().endpointOverride(LocalAwsClients.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    /** The execution once it is no longer RUNNING (waited for at most 20 s), as DescribeExecution answers then. */
    public static software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse ended(SfnClient sfn,
            String executionArn) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> sfn.describeExecution(
                r -> r.executionArn(executionArn))
                .status() != software.amazon.awssdk.services.sfn.model.ExecutionStatus.RUNNING);
        return sfn.describeExecution(r -> r.executionArn(executionArn));
    }

    /** JSON text, read. */
    public static com.fasterxml.jackson.databind.JsonNode json(String text) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
