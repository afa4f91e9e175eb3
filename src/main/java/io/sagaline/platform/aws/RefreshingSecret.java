package io.sagaline.platform.aws;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BiFunction;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A secret's value as the function needs it, read once and kept for {@code refresh}, then read
 * again: a rotated or amended secret reaches a warm function within that time, without a call to
 * Secrets Manager per use. Concurrent callers share one read (the others wait for it).
 */
public final class RefreshingSecret<T> {

    private record Read<T>(T value, Instant at) {
    }

    /** How soon a failed refresh is tried again. */
    static final Duration RETRY = Duration.ofSeconds(30);
    private static final Logger LOG = Logger.getLogger(RefreshingSecret.class);

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

    /**
     * The secret's value. When a refresh fails and there is a value already, that value goes on
     * serving (logged) and the next read is tried after {@link #RETRY}: an outage of Secrets
     * Manager does not take down a function that already knew the secret. Without a value yet, the
     * failure is the caller's.
     */
    public T get() {
        Instant now = clock.instant();
        Read<T> seen = last;
        if (seen == null || !now.isBefore(seen.at().plus(refresh))) {
            synchronized (this) {
                seen = last;
                if (seen == null || !now.isBefore(seen.at().plus(refresh))) {
                    try {
                        seen = new Read<>(parse.apply(arn, secrets.readObject(arn)), now);
                    } catch (RuntimeException e) {
                        if (seen == null) {
                            throw e;
                        }
                        LOG.warnf("secret %s could not be read again (%s); its last value serves until %s", arn,
                                e.getClass().getSimpleName(), now.plus(RETRY));
                        seen = new Read<>(seen.value(), now.minus(refresh).plus(RETRY));
                    }
                    last = seen;
                }
            }
        }
        return seen.value();
    }
}
