package io.sagaline.platform.aws;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import io.quarkus.arc.DefaultBean;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * AWS SDK v2 clients for Lambda: region and credentials from the Lambda environment, the
 * lightweight URL-connection HTTP client. The local runtime replaces these beans.
 */
public class AwsClients {

    @Produces
    @ApplicationScoped
    @DefaultBean
    SfnClient sfn() {
        return SfnClient.builder().httpClient(UrlConnectionHttpClient.create()).build();
    }

    @Produces
    @ApplicationScoped
    @DefaultBean
    SqsClient sqs() {
        return SqsClient.builder().httpClient(UrlConnectionHttpClient.create()).build();
    }

    @Produces
    @ApplicationScoped
    @DefaultBean
    SecretsManagerClient secretsManager() {
        return SecretsManagerClient.builder().httpClient(UrlConnectionHttpClient.create()).build();
    }
}
