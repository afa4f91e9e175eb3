package io.sagaline.asl.states;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One retrier of a Retry field: the errors it retries, how often, and its back-off: IntervalSeconds x
 * BackoffRate^attempt, capped by MaxDelaySeconds, with FULL jitter if asked.
 */
record Retrier(List<String> errorEquals, double intervalSeconds, int maxAttempts, double backoffRate, Double maxDelaySeconds,
        boolean fullJitter) {

    private static final Set<String> FIELDS = Set.of("ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate",
            "MaxDelaySeconds", "JitterStrategy", "Comment");

    static Retrier parse(Definition d, String field, JsonNode r, boolean last) {
        List<String> errors = d.errorEquals(field, r, last);
        r.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) {
                throw d.refused(field + "." + f, "not a field of a retrier");
            }
        });
        d.positiveInt(r, "IntervalSeconds");
        d.positiveInt(r, "MaxDelaySeconds");
        if (r.has("MaxAttempts") && (!r.get("MaxAttempts").canConvertToInt() || r.get("MaxAttempts").asInt() < 0)) {
            throw d.refused(field + ".MaxAttempts", "must be a non-negative integer");
        }
        if (r.has("BackoffRate") && (!r.get("BackoffRate").isNumber() || r.get("BackoffRate").asDouble() < 1.0)) {
            throw d.refused(field + ".BackoffRate", "must be a number >= 1.0");
        }
        if (r.has("JitterStrategy") && !Set.of("FULL", "NONE").contains(r.get("JitterStrategy").asText())) {
            throw d.refused(field + ".JitterStrategy", "must be FULL or NONE");
        }
        return new Retrier(errors, r.path("IntervalSeconds").asDouble(1), r.path("MaxAttempts").asInt(3),
                r.path("BackoffRate").asDouble(2.0), r.has("MaxDelaySeconds") ? r.get("MaxDelaySeconds").asDouble() : null,
                "FULL".equals(r.path("JitterStrategy").asText("NONE")));
    }

    /** The wait before retry number {@code attempt + 1}. */
    Duration delay(int attempt) {
        double seconds = intervalSeconds * Math.pow(backoffRate, attempt);
        if (maxDelaySeconds != null) {
            seconds = Math.min(seconds, maxDelaySeconds);
        }
        if (fullJitter) {
            seconds = ThreadLocalRandom.current().nextDouble() * seconds;
        }
        return Duration.ofMillis(Math.round(seconds * 1000));
    }
}
