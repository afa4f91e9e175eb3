package io.sagaline.platform;

import java.util.Optional;
import java.util.UUID;

/** Ids arrive as strings from paths and task inputs; a malformed one names nothing. */
public final class Ids {

    private Ids() {
    }

    public static Optional<UUID> uuid(String value) {
        if (value == null || value.length() != 36) {
            return Optional.empty();
        }
        try {
            return Optional.of(UUID.fromString(value));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
