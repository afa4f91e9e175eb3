package io.sagaline.asl.states;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/** A Wait: goes on after its Seconds from its entry, or at its Timestamp, without holding a thread meanwhile. */
public final class WaitState extends State {

    private static final Set<String> JSONPATH = Set.of("Next", "End", "InputPath", "OutputPath", "Seconds", "Timestamp",
            "SecondsPath", "TimestampPath", "Assign");
    private static final Set<String> JSONATA = Set.of("Next", "End", "Seconds", "Timestamp", "Output", "Assign");
    /** The most a JSONata Seconds may give. */
    private static final long MAX_SECONDS = 99_999_999;

    private final JsonNode seconds;
    private final Path secondsPath;
    private final JsonNode timestamp;
    private final Path timestampPath;

    WaitState(Definition d) {
        super(d.only("Wait", JSONPATH, JSONATA), Query.parse(d, false, false, false), Transition.parse(d));
        int kinds = 0;
        for (String f : new String[] { "Seconds", "Timestamp", "SecondsPath", "TimestampPath" }) {
            kinds += d.has(f) ? 1 : 0;
        }
        if (kinds != 1) {
            throw d.refused("Seconds", "a Wait needs exactly one of Seconds, Timestamp, SecondsPath, TimestampPath");
        }
        JsonNode s = d.get("Seconds");
        if (s != null && !(d.jsonata && d.isExpression("Seconds"))
                && (!s.isIntegralNumber() || !s.canConvertToLong() || s.asLong() < 0)) {
            throw d.refused("Seconds", "must be a non-negative integer");
        }
        this.seconds = d.jsonata ? d.expression("Seconds") : s;
        this.timestamp = d.jsonata ? d.expression("Timestamp") : d.get("Timestamp");
        if (!d.jsonata && timestamp != null && (!timestamp.isTextual() || parsed(timestamp.asText()) == null)) {
            throw d.refused("Timestamp", "String does not match RFC3339 timestamp");
        }
        this.secondsPath = d.path("SecondsPath");
        this.timestampPath = d.path("TimestampPath");
    }

    @Override
    public String type() {
        return "Wait";
    }

    @Override
    public Duration run(Step s) {
        JsonNode effective = query.effectiveInput(s);
        Duration remaining = Duration.between(s.now(), until(s, effective));
        if (!remaining.isNegative() && !remaining.isZero()) {
            return remaining;
        }
        s.assign(query.assign(s, assign, effective, null, null, "Assign"));
        transition.exit(s, query.output(s, effective));
        return null;
    }

    private Instant until(Step s, JsonNode effective) {
        if (seconds != null || secondsPath != null) {
            JsonNode value = query.setting(s, seconds, secondsPath, effective, "Seconds");
            if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 0
                    || jsonata() && value.asLong() > MAX_SECONDS) {
                throw query.wrong("the Wait's Seconds is " + value + ", not a non-negative integer");
            }
            return s.enteredTime().plusSeconds(value.asLong());
        }
        JsonNode value = query.setting(s, timestamp, timestampPath, effective, "Timestamp");
        Instant at = value.isTextual() ? parsed(value.asText()) : null;
        if (at == null) {
            String text = value.isTextual() ? value.asText() : value.toString();
            throw query.wrong(timestampPath != null
                    ? "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: "
                            + timestampPath.value() + " == " + text
                    : "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: " + text);
        }
        return at;
    }

    /** An ISO-8601 extended offset date-time (RFC 3339: an offset or Z, any fraction of a second), or null. */
    private static Instant parsed(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
