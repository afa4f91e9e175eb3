package io.sagaline.platform.crypto;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Named;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import io.sagaline.platform.aws.AwsClients;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * The platform's two signing keys, one per kind of token, so that neither signer can make the
 * other kind: {@value #TOKENS} (short-lived access tokens, signed by {@code create-token}, verified
 * by the authorizer) and {@value #VALET_LINKS} (signed by {@code create-invoice-link}, verified by
 * {@code get-invoice-by-link}). Each is configured under {@code sagaline.<name>.}:
 * {@code signing-key=kms} (AWS: the asymmetric key {@code kms-key-id}, verifying also those of
 * {@code kms-verify-key-ids}) or {@code local} ({@code local-signing-keys}, a JWK Set). A verifier
 * accepts only its own keys' {@code kid}s.
 */
public class SigningKeysProducer {

    public static final String TOKENS = "tokens";
    public static final String VALET_LINKS = "valet-links";

    @Produces
    @ApplicationScoped
    @Named(TOKENS)
    SigningKeys tokens() {
        return keys(TOKENS);
    }

    @Produces
    @ApplicationScoped
    @Named(VALET_LINKS)
    SigningKeys valetLinks() {
        return keys(VALET_LINKS);
    }

    private static SigningKeys keys(String name) {
        Config config = ConfigProvider.getConfig();
        String prefix = "sagaline." + name + ".";
        String kind = config.getOptionalValue(prefix + "signing-key", String.class).orElse("kms");
        return switch (kind) {
            case "kms" -> {
                String signing = config.getOptionalValue(prefix + "kms-key-id", String.class)
                        .orElseThrow(() -> new IllegalStateException(prefix + "kms-key-id is not set"));
                List<String> verifying = new ArrayList<>(List.of(signing));
                config.getOptionalValues(prefix + "kms-verify-key-ids", String.class).ifPresent(ids -> ids.stream()
                        .filter(id -> !id.isBlank() && !verifying.contains(id)).forEach(verifying::add));
                yield new SigningKeys.Kms(KmsClient.builder().httpClient(UrlConnectionHttpClient.create())
                        .overrideConfiguration(AwsClients::bounded).build(), signing, List.copyOf(verifying));
            }
            case "local" -> new SigningKeys.Local(config.getOptionalValue(prefix + "local-signing-keys", String.class)
                    .orElseThrow(() -> new IllegalStateException(prefix + "local-signing-keys is not set")));
            default -> throw new IllegalStateException(prefix + "signing-key must be kms or local, not " + kind);
        };
    }
}
