package io.sagaline.webhooks;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagaline.platform.crypto.DataKeyStore;
import io.sagaline.platform.crypto.PersonalData;

/**
 * Opens a subscription's sealed signing secrets with its data key (blocks: it may ask KMS; call it
 * outside a transaction). What it opened is kept in memory for as long as unwrapped data keys are
 * (a delivery per event need not read the key again), by the sealed bytes: a rotated secret is
 * opened afresh, and a deleted subscription has no sealed secret to look up.
 */
@ApplicationScoped
public class WebhookSecrets {

    private final DataKeyStore dataKeys;
    private final Clock clock;
    private final com.github.benmanes.caffeine.cache.Cache<String, String> opened = com.github.benmanes.caffeine.cache.Caffeine
            .newBuilder().maximumSize(10_000)
            .expireAfterWrite(java.time.Duration.ofMinutes(io.sagaline.platform.crypto.PersonalData.CACHE_MINUTES)).build();

    WebhookSecrets(DataKeyStore dataKeys, Clock clock) {
        this.dataKeys = dataKeys;
        this.clock = clock;
    }

    /** The secrets that sign for the subscription now: the current one, then the previous one during its overlap. */
    List<String> open(String tenant, UUID subscription, byte[] current, byte[] previous, Instant previousExpires) {
        if (current == null) {
            throw new IllegalStateException("webhook " + subscription + " has no secret");
        }
        List<String> secrets = new ArrayList<>();
        secrets.add(open(tenant, subscription, current));
        if (previous != null && previousExpires != null && previousExpires.isAfter(clock.instant())) {
            secrets.add(open(tenant, subscription, previous));
        }
        return secrets;
    }

    private String open(String tenant, UUID subscription, byte[] sealed) {
        return opened.get(subscription + ":" + java.util.HexFormat.of().formatHex(sealed), k -> {
            PersonalData.Key key = dataKeys.existing(WebhookService.subject(tenant, subscription))
                    .orElseThrow(() -> new IllegalStateException("webhook " + subscription + " has no key: it was deleted"));
            return key.open("secret", sealed);
        });
    }
}
