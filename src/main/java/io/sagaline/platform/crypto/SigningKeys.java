package io.sagaline.platform.crypto;

import java.security.KeyFactory;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.impl.ECDSA;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.MessageType;
import software.amazon.awssdk.services.kms.model.SigningAlgorithmSpec;

/**
 * The platform's signing keys of tokens and valet links: ES256 (ECDSA P-256, SHA-256) JWS,
 * through Nimbus JOSE + JWT. Each token names its key ({@code kid}); every key listed verifies,
 * the first signs, so a new key is rolled in first as a verifier, then as the signer, and an old
 * one dropped once its last tokens have expired. In AWS a key is an asymmetric KMS key
 * ({@code kid} its ARN): KMS signs (the private key never leaves it), and its public key, fetched
 * once, verifies. On a laptop the keys are PKCS#8 keys of the configuration.
 */
public abstract class SigningKeys {

    /** What every token of ours says it is for. */
    public static final String ISSUER = "sagaline";

    /** Signs {@code claims} as a JWT of type {@code type}. */
    public String sign(String type, JWTClaimsSet claims) {
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(signingKeyId()).type(new JOSEObjectType(type))
                .build();
        SignedJWT jwt = new SignedJWT(header, claims);
        try {
            Base64URL signature = Base64URL.encode(signature(jwt.getSigningInput()));
            return header.toBase64URL() + "." + claims.toPayload().toBase64URL() + "." + signature;
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a token: " + e.getMessage());
        }
    }

    /**
     * The claims of {@code token} if it is a JWT of type {@code type} that one of our keys signed,
     * issued by us and not expired by {@code clock}; empty for anything else (tampered, expired,
     * another type, another signer, not a JWT at all).
     */
    public Optional<JWTClaimsSet> verify(String token, String type, Clock clock) {
        return signed(token, type).filter(claims -> claims.getExpirationTime().toInstant().isAfter(clock.instant()));
    }

    /**
     * The claims of {@code token} if one of our keys signed it as a JWT of type {@code type}, issued
     * by us, with an end; whether that end has passed is the caller's to tell (a valet link says
     * "expired" only of a link it made).
     */
    public Optional<JWTClaimsSet> signed(String token, String type) {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException | RuntimeException e) {
            return Optional.empty();
        }
        JWSHeader header = jwt.getHeader();
        if (!JWSAlgorithm.ES256.equals(header.getAlgorithm()) || header.getType() == null
                || !type.equals(header.getType().getType()) || header.getKeyID() == null) {
            return Optional.empty();
        }
        // outside the try: KMS failing to give a public key is an outage (500), not a forged token
        Optional<ECPublicKey> key = verifyingKey(header.getKeyID());
        try {
            if (key.isEmpty() || !jwt.verify(new ECDSAVerifier(key.get()))) {
                return Optional.empty();
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            if (!ISSUER.equals(claims.getIssuer()) || claims.getExpirationTime() == null) {
                return Optional.empty();
            }
            return Optional.of(claims);
        } catch (ParseException | JOSEException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code presented} has the shape of a JWS (three base64url parts), not of an API key. */
    public static boolean looksLikeToken(String presented) {
        return presented != null && presented.startsWith("eyJ") && presented.chars().filter(c -> c == '.').count() == 2;
    }

    protected abstract String signingKeyId();

    /** The JOSE signature (R || S, 64 bytes) of {@code input}. */
    protected abstract byte[] signature(byte[] input) throws JOSEException;

    protected abstract Optional<ECPublicKey> verifyingKey(String kid);

    /**
     * Keys of the configuration: {@code sagaline.tokens.local-signing-keys}, a JWK Set of P-256
     * keys with their private parts; the first signs, every one verifies.
     */
    static final class Local extends SigningKeys {
        private final Map<String, ECKey> keys = new LinkedHashMap<>();
        private final String signing;

        Local(String jwkSet) {
            try {
                for (var jwk : JWKSet.parse(jwkSet).getKeys()) {
                    ECKey key = jwk.toECKey();
                    if (!Curve.P_256.equals(key.getCurve()) || !key.isPrivate() || key.getKeyID() == null) {
                        throw new ParseException("not a P-256 private key with a kid", 0);
                    }
                    keys.put("local:" + key.getKeyID(), key);
                }
            } catch (ParseException | RuntimeException e) {
                throw new IllegalStateException(
                        "sagaline.tokens.local-signing-keys must be a JWK Set of P-256 private keys, each"
                                + " with its kid");
            }
            if (keys.isEmpty()) {
                throw new IllegalStateException("sagaline.tokens.local-signing-keys has no key");
            }
            signing = keys.keySet().iterator().next();
        }

        @Override
        protected String signingKeyId() {
            return signing;
        }

        @Override
        protected byte[] signature(byte[] input) throws JOSEException {
            return new ECDSASigner(keys.get(signing)).sign(new JWSHeader(JWSAlgorithm.ES256), input).decode();
        }

        @Override
        protected Optional<ECPublicKey> verifyingKey(String kid) {
            ECKey key = keys.get(kid);
            try {
                return key == null ? Optional.empty() : Optional.of(key.toECPublicKey());
            } catch (JOSEException e) {
                return Optional.empty();
            }
        }
    }

    /** An asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY) signs; the keys {@code verifyKeyIds} verify. */
    static final class Kms extends SigningKeys {
        private final KmsClient kms;
        private final String signing;
        private final List<String> verifying;
        private final Map<String, ECPublicKey> publicKeys = new ConcurrentHashMap<>();

        Kms(KmsClient kms, String signing, List<String> verifying) {
            this.kms = kms;
            this.signing = signing;
            this.verifying = verifying;
        }

        @Override
        protected String signingKeyId() {
            return signing;
        }

        @Override
        protected byte[] signature(byte[] input) throws JOSEException {
            byte[] der = kms.sign(r -> r.keyId(signing).messageType(MessageType.RAW)
                    .signingAlgorithm(SigningAlgorithmSpec.ECDSA_SHA_256).message(SdkBytes.fromByteArray(input)))
                    .signature().asByteArray();
            return ECDSA.transcodeSignatureToConcat(der, 64);
        }

        @Override
        protected Optional<ECPublicKey> verifyingKey(String kid) {
            if (!verifying.contains(kid)) {
                return Optional.empty();
            }
            return Optional.of(publicKeys.computeIfAbsent(kid, k -> {
                try {
                    byte[] spki = kms.getPublicKey(r -> r.keyId(k)).publicKey().asByteArray();
                    return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(spki));
                } catch (java.security.GeneralSecurityException e) {
                    throw new IllegalStateException("KMS key " + k + " has no P-256 public key");
                }
            }));
        }
    }
}
