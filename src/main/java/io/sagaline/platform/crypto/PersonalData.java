package io.sagaline.platform.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Personal data at rest (README, "Security"): each subject (a customer) of each service has its own
 * data key, made by the {@link MasterKey} and stored only wrapped, beside the data, in the
 * service's {@code data_keys} table ({@link DataKeyStore}). A field is sealed with AES-256-GCM under
 * its subject's key, the service, tenant, subject and field bound in as associated data: a value
 * copied to another row, field or tenant does not open. Equality lookups use a blind index, an
 * HMAC-SHA256 of the normalised value under a key of the tenant's, never the value.
 * <p>
 * Unwrapped keys are kept in memory for at most {@value #CACHE_MINUTES} minutes (as the AWS
 * Encryption SDK's caching materials manager does), so that KMS is asked once per subject and
 * instance rather than once per read; erasing a subject forgets its key here at once, and every
 * other instance within that time.
 */
@ApplicationScoped
public class PersonalData {

    public static final int CACHE_MINUTES = 5;

    /** Whose data: the service that keeps it, the tenant and the subject (a customer's id). */
    public record Subject(String service, String tenant, String subject) {

        /** The encryption context the master key binds the subject's data key to. */
        public Map<String, String> context() {
            return Map.of("service", service, "tenant", tenant, "subject", subject);
        }
    }

    /** A subject's data key, ready to seal and open its fields. */
    public final class Key {
        private final Subject subject;
        private final SecretKey key;
        private final byte[] wrapped;
        private final String masterKeyId;

        Key(Subject subject, SecretKey key, byte[] wrapped, String masterKeyId) {
            this.subject = subject;
            this.key = key;
            this.wrapped = wrapped;
            this.masterKeyId = masterKeyId;
        }

        public Subject subject() {
            return subject;
        }

        /** The data key as it is stored: wrapped by the master key. */
        public byte[] wrapped() {
            return wrapped.clone();
        }

        public String masterKeyId() {
            return masterKeyId;
        }

        public byte[] seal(String field, String value) {
            if (value == null) {
                return null;
            }
            try {
                return Aead.seal(key, value.getBytes(StandardCharsets.UTF_8), associated(field), random);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot seal " + field + ": " + e.getClass().getSimpleName());
            }
        }

        public String open(String field, byte[] sealed) {
            if (sealed == null) {
                return null;
            }
            try {
                return new String(Aead.open(key, sealed, associated(field)), StandardCharsets.UTF_8);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(
                        "field " + field + " of " + subject.service() + " subject " + subject.subject() + " does not open");
            }
        }

        private byte[] associated(String field) {
            return ("sagaline-field-v1\0" + subject.service() + '\0' + subject.tenant() + '\0' + subject.subject() + '\0'
                    + field)
                    .getBytes(StandardCharsets.UTF_8);
        }
    }

    private final MasterKey master;
    private final SecureRandom random = new SecureRandom();
    private final Cache<String, SecretKey> unwrapped = Caffeine.newBuilder().maximumSize(10_000)
            .expireAfterWrite(Duration.ofMinutes(CACHE_MINUTES)).build();

    PersonalData(MasterKey master) {
        this.master = master;
    }

    public MasterKey master() {
        return master;
    }

    /** A new data key for {@code subject}; store {@link Key#wrapped()} with what it seals. */
    public Key newKey(Subject subject) {
        MasterKey.DataKey made = master.newDataKey(subject.context());
        return key(subject, made.plaintext(), made.wrapped(), made.masterKeyId());
    }

    /** {@code subject}'s data key, as stored: unwrapped by the master key, or from memory. */
    public Key key(Subject subject, byte[] wrapped, String masterKeyId) {
        SecretKey key = unwrapped.get(cacheKey(subject, wrapped, masterKeyId),
                k -> aes(master.unwrap(masterKeyId, wrapped, subject.context())));
        return new Key(subject, key, wrapped.clone(), masterKeyId);
    }

    /** {@code key} wrapped again under the current master key (the rotation). */
    public Key rewrapped(Key key) {
        MasterKey.DataKey again = master.wrap(key.key.getEncoded(), key.subject.context());
        return key(key.subject, again.plaintext(), again.wrapped(), again.masterKeyId());
    }

    /** Forgets every unwrapped key of {@code subject} in this instance (its erasure). */
    public void forget(Subject subject) {
        String prefix = subjectPrefix(subject);
        unwrapped.asMap().keySet().removeIf(k -> k.startsWith(prefix));
    }

    /**
     * The blind index of {@code value} of {@code field}: HMAC-SHA256 under {@code indexKey} (the
     * tenant's index key: a data key like a subject's) of the value stripped and lower-cased.
     */
    public static byte[] blindIndex(Key indexKey, String field, String value) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(indexKey.key.getEncoded(), "HmacSHA256"));
            mac.update((field + '\0').getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(value.strip().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    private Key key(Subject subject, byte[] plaintext, byte[] wrapped, String masterKeyId) {
        SecretKey key = aes(plaintext);
        unwrapped.put(cacheKey(subject, wrapped, masterKeyId), key);
        return new Key(subject, key, wrapped, masterKeyId);
    }

    private static SecretKey aes(byte[] plaintext) {
        SecretKey key = new SecretKeySpec(plaintext, "AES");
        Arrays.fill(plaintext, (byte) 0);
        return key;
    }

    private static String cacheKey(Subject subject, byte[] wrapped, String masterKeyId) {
        try {
            return subjectPrefix(subject) + masterKeyId + '\0' + Base64.getEncoder()
                    .encodeToString(MessageDigest.getInstance("SHA-256").digest(wrapped));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static String subjectPrefix(Subject subject) {
        return subject.service() + '\0' + subject.tenant() + '\0' + subject.subject() + '\0';
    }
}
