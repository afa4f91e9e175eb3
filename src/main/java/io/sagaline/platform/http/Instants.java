package io.sagaline.platform.http;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * Instants as the API takes them: ISO-8601 date-times with an offset ({@code Z} or {@code +01:00}),
 * years 0001-9999, kept to the microsecond (what PostgreSQL stores). A date-time without an
 * offset names no instant and is refused, naming the field.
 */
public final class Instants {

    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999999Z");

    private Instants() {
    }

    public static Instant parse(String field, String value) {
        if (value == null) {
            throw ApiException.badRequest(field, "must not be null");
        }
        Instant instant;
        try {
            instant = OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(field,
                    "must be an ISO-8601 date-time with an offset, such as 2026-11-30T10:15:30.123Z or 2026-11-30T11:15:30+01:00");
        }
        if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
            throw ApiException.badRequest(field, "must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z");
        }
        return instant.truncatedTo(ChronoUnit.MICROS);
    }
}
