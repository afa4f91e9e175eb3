package io.sagaline.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How a delivery is signed, as the Standard Webhooks specification has it (so a receiver may use
 * any of its libraries): headers {@code webhook-id} (the event's id, the same on every attempt),
 * {@code webhook-timestamp} (the attempt's time, Unix seconds) and {@code webhook-signature}, a
 * space-separated list of {@code v1,<base64 HMAC-SHA256>} over {@code id + "." + timestamp + "." + body},
 * keyed with the base64-decoded part of the secret after {@code whsec_}. During a rotation's overlap
 * there are two signatures, one per secret; a receiver accepts the request if one matches and the
 * timestamp is within its tolerance (five minutes, say), which refuses replays.
 */
public final class WebhookSignatures {

    static final String PREFIX = "whsec_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private WebhookSignatures() {
    }

    /** A new secret: {@code whsec_} and 32 random bytes in base64. */
    public static String newSecret() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return PREFIX + Base64.getEncoder().encodeToString(key);
    }

    /** The {@code webhook-signature} header of {@code body} under each of {@code secrets}. */
    public static String header(String id, long timestamp, String body, List<String> secrets) {
        StringBuilder header = new StringBuilder();
        for (String secret : secrets) {
            if (!header.isEmpty()) {
                header.append(' ');
            }
            header.append("v1,").append(sign(secret, id, timestamp, body));
        }
        return header.toString();
    }

    /** The base64 HMAC-SHA256 of {@code id.timestamp.body} under {@code secret}. */
    public static String sign(String secret, String id, long timestamp, String body) {
        if (!secret.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a webhook secret");
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring(PREFIX.length())), "HmacSHA256"));
            return Base64.getEncoder()
                    .encodeToString(mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * What a receiver does (README, "Webhooks"): true if one of the header's signatures is the body's
     * under {@code secret} and the timestamp lies within {@code tolerance} of {@code now}.
     */
    public static boolean verify(String secret, String id, String timestamp, String body, String signatureHeader,
            Instant now, Duration tolerance) {
        long sent;
        try {
            sent = Long.parseLong(timestamp);
        } catch (NumberFormatException e) {
            return false;
        }
        if (Math.abs(now.getEpochSecond() - sent) > tolerance.toSeconds()) {
            return false;
        }
        byte[] expected = sign(secret, id, sent, body).getBytes(StandardCharsets.US_ASCII);
        for (String signature : signatureHeader.split(" ")) {
            if (signature.startsWith("v1,") && MessageDigest.isEqual(expected,
                    signature.substring(3).getBytes(StandardCharsets.US_ASCII))) {
                return true;
            }
        }
        return false;
    }
}
