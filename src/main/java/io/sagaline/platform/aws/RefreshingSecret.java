package io.sagaline.platform.aws;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BiFunction;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A secret's value as the function needs it, read once and kept for {@code refresh}, then read
 * again: a rotated or amended secret reaches a warm function within that time, without a call to
 * Secrets Manager per use. Concurrent callers share one read.
 */
public final class RefreshingSecret<T> {

    private record Read<T>(T value, Instant at) {
    }

    private final Secrets secrets;
    private final String arn;
    private final Duration refresh;
    private final Clock clock;
    private final BiFunction<String, JsonNode, T> parse;
    private volatile Read<T> last;

    /** {@code parse} gets the secret's ARN (for its messages) and its JSON object. */
    public RefreshingSecret(Secrets secrets, String arn, Duration refresh, Clock clock, BiFunction<String, JsonNode, T> parse) {
        this.secrets = secrets;
        this.arn = arn;
        this.refresh = refresh;
        this.clock = clock;
        this.parse = parse;
    }

    public String arn() {
        return arn;
    }

    public T get() {
        Instant now = clock.instant();
        Read<T> seen = last;
        if (seen == null || !now.isBefore(seen.at().plus(refresh))) {
            synchronized (this) {
                seen = last;
                if (seen == null || !now.isBefore(seen.at().plus(refresh))) {
                    seen = new Read<>(parse.apply(arn, secrets.readObject(arn)), now);
                    last = seen;
                }
            }
        }
        return seen.value();
    }
}
