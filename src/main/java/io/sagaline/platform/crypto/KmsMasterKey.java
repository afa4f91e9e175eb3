package io.sagaline.platform.crypto;

import java.util.Map;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.KmsException;

/**
 * The master key in AWS: a customer-managed KMS key ({@code sagaline.crypto.kms-key-id}, its ARN).
 * KMS makes each data key (GenerateDataKey) and unwraps it (Decrypt), with the encryption context
 * that IAM conditions each function's grant on: a function may use the data keys of its own
 * service only. KMS rotates the key's material yearly by itself (what it wrapped still opens); a
 * new key ARN in the configuration makes the background rotation re-wrap every data key under it.
 */
public final class KmsMasterKey implements MasterKey {

    private final KmsClient kms;
    private final String keyId;

    public KmsMasterKey(KmsClient kms, String keyId) {
        this.kms = kms;
        this.keyId = keyId;
    }

    @Override
    public String currentId() {
        return keyId;
    }

    @Override
    public DataKey newDataKey(Map<String, String> context) {
        var made = kms.generateDataKey(r -> r.keyId(keyId).keySpec(DataKeySpec.AES_256).encryptionContext(context));
        return new DataKey(made.plaintext().asByteArray(), made.ciphertextBlob().asByteArray(), keyId);
    }

    @Override
    public byte[] unwrap(String masterKeyId, byte[] wrapped, Map<String, String> context) {
        try {
            return kms.decrypt(r -> r.keyId(masterKeyId).ciphertextBlob(SdkBytes.fromByteArray(wrapped))
                    .encryptionContext(context)).plaintext().asByteArray();
        } catch (KmsException e) {
            throw new IllegalStateException("KMS does not unwrap the data key under " + masterKeyId + ": "
                    + (e.awsErrorDetails() == null ? e.getClass().getSimpleName() : e.awsErrorDetails().errorCode()));
        }
    }

    @Override
    public DataKey wrap(byte[] plaintext, Map<String, String> context) {
        var wrapped = kms.encrypt(r -> r.keyId(keyId).plaintext(SdkBytes.fromByteArray(plaintext)).encryptionContext(context));
        return new DataKey(plaintext.clone(), wrapped.ciphertextBlob().asByteArray(), keyId);
    }
}
