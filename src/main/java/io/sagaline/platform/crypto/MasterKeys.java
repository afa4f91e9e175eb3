package io.sagaline.platform.crypto;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.sagaline.platform.aws.AwsClients;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * Which master key wraps the data keys: {@code sagaline.crypto.master-key=kms} (AWS: the key
 * {@code sagaline.crypto.kms-key-id}, which Terraform sets) or {@code local} (the keys of
 * {@code sagaline.crypto.local-master-keys}).
 */
public class MasterKeys {

    @Produces
    @ApplicationScoped
    MasterKey masterKey(@ConfigProperty(name = "sagaline.crypto.master-key", defaultValue = "kms") String kind,
            @ConfigProperty(name = "sagaline.crypto.kms-key-id") Optional<String> kmsKeyId,
            @ConfigProperty(name = "sagaline.crypto.local-master-keys") Optional<String> localKeys) {
        return switch (kind) {
            case "kms" -> new KmsMasterKey(
                    KmsClient.builder().httpClient(UrlConnectionHttpClient.create()).overrideConfiguration(AwsClients::bounded)
                            .build(),
                    kmsKeyId.orElseThrow(() -> new IllegalStateException("sagaline.crypto.kms-key-id is not set")));
            case "local" -> new LocalMasterKey(
                    localKeys.orElseThrow(() -> new IllegalStateException("sagaline.crypto.local-master-keys is not set")));
            default -> throw new IllegalStateException("sagaline.crypto.master-key must be kms or local, not " + kind);
        };
    }
}
