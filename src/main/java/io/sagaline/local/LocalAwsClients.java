package io.sagaline.local;

import java.net.URI;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import org.eclipse.microprofile.config.ConfigProvider;

import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.runtime.LaunchMode;
import io.sagaline.platform.aws.AwsClients;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The same AWS SDK clients the functions use in AWS, pointed at this process: the Step Functions
 * API of the local engine answers on the HTTP port. Created on first use, when the port is known.
 */
@IfBuildProfile(anyOf = { "dev", "test" })
public class LocalAwsClients {

    /** This process's own AWS APIs (Lambda, Step Functions), on its HTTP port. */
    public static URI endpoint() {
        String port = LaunchMode.current() == LaunchMode.TEST ? "quarkus.http.test-port" : "quarkus.http.port";
        return URI.create("http://localhost:" + ConfigProvider.getConfig().getValue(port, Integer.class));
    }

    /**
     * The Step Functions API the functions call: this process's own engine, or the endpoint
     * {@code sagaline.local.sfn.endpoint} names (another engine's process; a proxy in between).
     */
    static URI sfnEndpoint() {
        return ConfigProvider.getConfig().getOptionalValue("sagaline.local.sfn.endpoint", String.class).map(URI::create)
                .orElseGet(LocalAwsClients::endpoint);
    }

    @Produces
    @ApplicationScoped
    SfnClient sfn() {
        return SfnClient.builder().endpointOverride(sfnEndpoint()).region(Region.of(LocalStepFunctions.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.create())
                // StartSyncExecution goes to host "sync-<endpoint>" in AWS; locally it is the same endpoint.
                .overrideConfiguration(c -> AwsClients.bounded(c).putAdvancedOption(
                        software.amazon.awssdk.core.client.config.SdkAdvancedClientOption.DISABLE_HOST_PREFIX_INJECTION, true))
                .build();
    }

    /** SQS: the embedded ElasticMQ, or the endpoint {@code sagaline.local.sqs.endpoint} names. */
    @Produces
    @ApplicationScoped
    SqsClient sqs() {
        URI endpoint = URI.create(ConfigProvider.getConfig().getValue("sagaline.local.sqs.endpoint", String.class));
        return SqsClient.builder().endpointOverride(endpoint).region(Region.of(LocalStepFunctions.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.create()).overrideConfiguration(AwsClients::bounded).build();
    }
}
