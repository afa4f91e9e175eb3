package io.sagaline.platform.http;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

/**
 * How listings page: {@code limit} (1-100, 50 if not given) items ordered by start then id, and a
 * {@code nextToken} that names where the page ended (the last item's start and id), so that a
 * page never repeats or skips an item however the listing changes in between.
 */
public record Paging(int limit, Optional<After> after) {

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 100;
    private static final String VERSION = "1";
    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant AFTER_LATEST = Instant.parse("+10000-01-01T00:00:00Z");

    /** Where the previous page ended. */
    public record After(Instant start, UUID id) {
    }

    /** This page's part of a cache key. */
    public String key() {
        return limit + ":" + after.map(a -> token(a.start(), a.id())).orElse("");
    }

    public static Paging of(HttpRequest request) {
        return new Paging(request.limit(DEFAULT_LIMIT, MAX_LIMIT), request.queryParameter("nextToken").map(Paging::decode));
    }

    public static String token(Instant start, UUID id) {
        long micros = Math.addExact(Math.multiplyExact(start.getEpochSecond(), 1_000_000L), start.getNano() / 1_000);
        String plain = VERSION + ":" + micros + ":" + id;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    private static After decode(String token) {
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8).split(":", -1);
            if (parts.length == 3 && parts[0].equals(VERSION)) {
                long micros = Long.parseLong(parts[1]);
                UUID id = UUID.fromString(parts[2]);
                Instant start = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                        Math.floorMod(micros, 1_000_000L) * 1_000L);
                // only instants a listing can hold (0001-9999), so that the database is never asked an impossible one
                if (id.toString().equals(parts[2]) && !start.isBefore(EARLIEST) && start.isBefore(AFTER_LATEST)) {
                    return new After(start, id);
                }
            }
        } catch (IllegalArgumentException | java.time.DateTimeException | ArithmeticException e) {
            // refused below
        }
        throw ApiException.badRequest("nextToken",
                "is not a token a listing gave; send the nextToken of the previous page as it was");
    }
}
