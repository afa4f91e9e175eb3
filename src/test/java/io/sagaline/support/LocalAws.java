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
}
