package io.sagaline.platform.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Entity tags (RFC 9110, section 8.8.3): a strong tag per representation, the first 128 bits of
 * the SHA-256 of its JSON, so that a tag changes exactly when what a caller reads does. The HTTP
 * adapter tags the answers; an operation that changes a resource checks {@code If-Match} against
 * the resource as it is, in the transaction that changes it.
 */
@ApplicationScoped
public class ETags {

    private final ObjectMapper json;

    ETags(ObjectMapper json) {
        this.json = json;
    }

    /** The tag of {@code body} as the HTTP adapter writes it. */
    public String of(Object body) {
        try {
            return ofJson(json.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("not serialisable", e);
        }
    }

    static String ofJson(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return '"' + Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, 16)) + '"';
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code If-Match}: 412 unless the header is absent, {@code *} (the resource exists, which the
     * caller has established), or lists {@code current}'s tag. Strong comparison: a weak tag never matches.
     */
    public void requireMatch(Optional<String> ifMatch, Object current) {
        if (ifMatch.isEmpty() || ifMatch.get().isBlank()) {
            return;
        }
        String tag = of(current);
        if (!listed(ifMatch.get(), tag, false)) {
            throw new ApiException(412, "precondition-failed", "Precondition failed",
                    "the resource has changed since it was read (its ETag is now " + tag
                            + "); read it again and decide on what it is now");
        }
    }

    /** {@code If-None-Match}: whether it names {@code tag} (weak comparison) or is {@code *}. */
    static boolean noneMatchHits(String ifNoneMatch, String tag) {
        return ifNoneMatch != null && listed(ifNoneMatch, tag, true);
    }

    private static boolean listed(String header, String tag, boolean weak) {
        for (String candidate : header.split(",")) {
            String c = candidate.trim();
            if (c.equals("*")) {
                return true;
            }
            if (c.startsWith("W/")) {
                if (!weak) {
                    continue;
                }
                c = c.substring(2);
            }
            if (c.equals(tag)) {
                return true;
            }
        }
        return false;
    }
}
