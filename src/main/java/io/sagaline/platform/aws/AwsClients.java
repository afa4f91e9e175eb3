package io.sagaline.platform.aws;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import io.quarkus.arc.DefaultBean;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * AWS SDK v2 clients for Lambda: region and credentials from the Lambda environment, the
 * lightweight URL-connection HTTP client. The local runtime replaces these beans.
 */
public class AwsClients {

    /**
     * A call to Step Functions or SQS, retries included, takes at most this long, well inside a
     * function's timeout: a function whose change has committed answers its caller even when the
     * send after the commit hangs (the outbox's sweeper sends it later). The URL-connection
     * client's own read timeout is 30 s, longer than most of our functions live.
     */
    public static final Duration CALL_TIMEOUT = Duration.ofSeconds(4);

    public static ClientOverrideConfiguration.Builder bounded(ClientOverrideConfiguration.Builder config) {
        return config.apiCallTimeout(CALL_TIMEOUT).apiCallAttemptTimeout(Duration.ofSeconds(2));
    }

    @Produces
    @ApplicationScoped
    @DefaultBean
    SfnClient sfn() {
        return SfnClient.builder().httpClient(UrlConnectionHttpClient.create()).overrideConfiguration(AwsClients::bounded)
                .build();
    }

    @Produces
    @ApplicationScoped
    @DefaultBean
    SqsClient sqs() {
        return SqsClient.builder().httpClient(UrlConnectionHttpClient.create()).overrideConfiguration(AwsClients::bounded)
                .build();
    }

    @Produces
    @ApplicationScoped
    @DefaultBean
    SecretsManagerClient secretsManager() {
        return SecretsManagerClient.builder().httpClient(UrlConnectionHttpClient.create()).build();
    }
}
