package io.sagaline.webhooks;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagaline.platform.crypto.DataKeyStore;
import io.sagaline.platform.crypto.PersonalData;

/** Opens a subscription's sealed signing secrets with its data key (blocks: it may ask KMS; call it outside a transaction). */
@ApplicationScoped
public class WebhookSecrets {

    private final DataKeyStore dataKeys;
    private final Clock clock;

    WebhookSecrets(DataKeyStore dataKeys, Clock clock) {
        this.dataKeys = dataKeys;
        this.clock = clock;
    }

    /** The secrets that sign for the subscription now: the current one, then the previous one during its overlap. */
    List<String> open(String tenant, UUID subscription, byte[] current, byte[] previous, Instant previousExpires) {
        if (current == null) {
            throw new IllegalStateException("webhook " + subscription + " has no secret");
        }
        PersonalData.Key key = dataKeys.existing(WebhookService.subject(tenant, subscription))
                .orElseThrow(() -> new IllegalStateException("webhook " + subscription + " has no key: it was deleted"));
        List<String> secrets = new ArrayList<>();
        secrets.add(key.open("secret", current));
        if (previous != null && previousExpires != null && previousExpires.isAfter(clock.instant())) {
            secrets.add(key.open("secret", previous));
        }
        return secrets;
    }
}
