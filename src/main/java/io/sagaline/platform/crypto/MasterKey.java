package io.sagaline.platform.crypto;

import java.util.Map;

/**
 * The key that wraps the data keys of personal data (envelope encryption): a customer-managed key of
 * AWS KMS in AWS ({@link KmsMasterKey}), a key of the configuration locally ({@link LocalMasterKey}).
 * A data key is made and unwrapped under an encryption context (service, tenant, subject) that must
 * match, so a wrapped key moved to another row opens nothing. The master key's material never leaves it.
 */
public interface MasterKey {

    /** A new data key: in clear (for this process only, never stored) and wrapped, under {@code masterKeyId}. */
    record DataKey(byte[] plaintext, byte[] wrapped, String masterKeyId) {

        @Override
        public String toString() {
            return "DataKey[masterKeyId=" + masterKeyId + "]";
        }
    }

    /** The id new data keys are wrapped under; a stored key under any other is re-wrapped by the background rotation. */
    String currentId();

    DataKey newDataKey(Map<String, String> context);

    /** The data key {@code wrapped} under {@code masterKeyId} with {@code context}; fails if any of them differs. */
    byte[] unwrap(String masterKeyId, byte[] wrapped, Map<String, String> context);

    /** {@code plaintext} wrapped under the current master key. */
    DataKey wrap(byte[] plaintext, Map<String, String> context);
}
