package io.sagaline.platform.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The hash of an audit entry, as the database computes it when the entry is inserted
 * ({@code audit.chain_entry()}, V14): SHA-256 of the hash before it and the entry's fields, each
 * written as its length in UTF-8 bytes, {@code ':'}, the value and {@code ';'} ({@code '-;'} for
 * null). Computed again here, from the stored fields, a changed field no longer matches its hash, and
 * a removed or reordered entry no longer matches the next one's {@code prevHash}.
 */
public final class AuditChain {

    /** The {@code prevHash} of a tenant's first entry. */
    public static final byte[] GENESIS = new byte[32];

    private static final DateTimeFormatter MICROS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(ZoneOffset.UTC);

    /** The fields an entry's hash covers. */
    public record Fields(String tenant, long chainSeq, Instant occurredAt, String actor, String keyId, String operation,
            String resource, String outcome, String requestId) {
    }

    private AuditChain() {
    }

    public static byte[] hash(byte[] prevHash, Fields f) {
        StringBuilder text = new StringBuilder("sagaline-audit-v1;");
        for (String value : new String[] { f.tenant(), Long.toString(f.chainSeq()), MICROS.format(f.occurredAt()), f.actor(),
                f.keyId(), f.operation(), f.resource(), f.outcome(), f.requestId() }) {
            text.append(value == null ? "-" : value.getBytes(StandardCharsets.UTF_8).length + ":" + value).append(';');
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(prevHash);
            return sha.digest(text.toString().getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
