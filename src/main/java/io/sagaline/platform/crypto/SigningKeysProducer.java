package io.sagaline.platform.crypto;

import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.sagaline.platform.aws.AwsClients;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * Which keys sign tokens and valet links: {@code sagaline.tokens.signing-key=kms} (AWS: the
 * asymmetric key {@code sagaline.tokens.kms-key-id}, verifying also those of
 * {@code sagaline.tokens.kms-verify-key-ids}) or {@code local} ({@code sagaline.tokens.local-signing-keys}).
 */
public class SigningKeysProducer {

    @Produces
    @ApplicationScoped
    SigningKeys signingKeys(@ConfigProperty(name = "sagaline.tokens.signing-key", defaultValue = "kms") String kind,
            @ConfigProperty(name = "sagaline.tokens.kms-key-id") Optional<String> kmsKeyId,
            @ConfigProperty(name = "sagaline.tokens.kms-verify-key-ids") Optional<List<String>> verifyKeyIds,
            @ConfigProperty(name = "sagaline.tokens.local-signing-keys") Optional<String> localKeys) {
        return switch (kind) {
            case "kms" -> {
                String signing = kmsKeyId.orElseThrow(() -> new IllegalStateException("sagaline.tokens.kms-key-id is not set"));
                List<String> verifying = new java.util.ArrayList<>(List.of(signing));
                verifyKeyIds.ifPresent(ids -> ids.stream().filter(id -> !id.isBlank() && !verifying.contains(id))
                        .forEach(verifying::add));
                yield new SigningKeys.Kms(KmsClient.builder().httpClient(UrlConnectionHttpClient.create())
                        .overrideConfiguration(AwsClients::bounded).build(), signing, List.copyOf(verifying));
            }
            case "local" -> new SigningKeys.Local(
                    localKeys.orElseThrow(() -> new IllegalStateException("sagaline.tokens.local-signing-keys is not set")));
            default -> throw new IllegalStateException("sagaline.tokens.signing-key must be kms or local, not " + kind);
        };
    }
}
