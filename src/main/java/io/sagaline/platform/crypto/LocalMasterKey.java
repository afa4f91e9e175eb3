package io.sagaline.platform.crypto;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.crypto.spec.SecretKeySpec;

/**
 * The master key of a laptop: AES-256 keys from {@code sagaline.crypto.local-master-keys}
 * ({@code <id>=<base64 of 32 bytes>,...}, the first the current one, the others kept to unwrap what
 * they wrapped until the rotation has re-wrapped it). A data key is wrapped with AES-GCM, its
 * encryption context the associated data. Not for AWS: its keys sit in the configuration.
 */
public final class LocalMasterKey implements MasterKey {

    static final String PREFIX = "local:";

    private final Map<String, SecretKeySpec> keys = new LinkedHashMap<>();
    private final String current;
    private final SecureRandom random = new SecureRandom();

    public LocalMasterKey(String configured) {
        for (String entry : configured.split(",")) {
            String[] idAndKey = entry.strip().split("=", 2);
            byte[] key;
            try {
                key = idAndKey.length == 2 ? Base64.getDecoder().decode(idAndKey[1].strip()) : new byte[0];
            } catch (IllegalArgumentException e) {
                key = new byte[0];
            }
            if (key.length != 32 || idAndKey[0].isBlank()) {
                throw new IllegalStateException(
                        "sagaline.crypto.local-master-keys: each entry must be <id>=<base64 of 32 bytes>");
            }
            keys.put(PREFIX + idAndKey[0].strip(), new SecretKeySpec(key, "AES"));
        }
        current = keys.keySet().iterator().next();
    }

    @Override
    public String currentId() {
        return current;
    }

    @Override
    public DataKey newDataKey(Map<String, String> context) {
        byte[] plaintext = new byte[32];
        random.nextBytes(plaintext);
        return wrap(plaintext, context);
    }

    @Override
    public DataKey wrap(byte[] plaintext, Map<String, String> context) {
        try {
            return new DataKey(plaintext.clone(), Aead.seal(keys.get(current), plaintext, Aead.context(context), random),
                    current);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot wrap a data key: " + e.getClass().getSimpleName());
        }
    }

    @Override
    public byte[] unwrap(String masterKeyId, byte[] wrapped, Map<String, String> context) {
        SecretKeySpec key = keys.get(masterKeyId);
        if (key == null) {
            throw new IllegalStateException(
                    "master key " + masterKeyId + " is not configured (sagaline.crypto.local-master-keys)");
        }
        try {
            byte[] plaintext = Aead.open(key, wrapped, Aead.context(context));
            if (plaintext.length != 32) {
                Arrays.fill(plaintext, (byte) 0);
                throw new IllegalStateException("a data key is 32 bytes");
            }
            return plaintext;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("data key does not open under " + masterKeyId + " with its context");
        }
    }
}
