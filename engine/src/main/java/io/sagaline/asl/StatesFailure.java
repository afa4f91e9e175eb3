package io.sagaline.asl;

/**
 * An ASL error: the name Retry/Catch match and the cause. A failure of the engine's own evaluation of a state (a
 * path, an intrinsic function, a JSONata expression, a Wait's setting) is made with {@link #inState} and, as AWS
 * writes it, its cause is prefixed with the state and the id of the event that entered it once it is known
 * ({@link #locatedAt}); a task's error, a Fail state's, a branch's are passed on as they are.
 */
public class StatesFailure extends RuntimeException {

    public static final String ALL = "States.ALL";
    public static final String RUNTIME = "States.Runtime";
    public static final String TIMEOUT = "States.Timeout";
    public static final String TASK_FAILED = "States.TaskFailed";
    public static final String RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure";
    public static final String DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded";
    /** The most a state's output or a task's result may be, in bytes of its UTF-8 JSON: AWS's 256 KiB quota. */
    public static final int PAYLOAD_LIMIT_BYTES = 262_144;

    private final String error;
    private final String cause;
    private final boolean located;

    public StatesFailure(String error, String cause) {
        this(error, cause, true);
    }

    /** A failure of the engine's evaluation ({@code located} false) or one passed on as it is. */
    protected StatesFailure(String error, String cause, boolean located) {
        super(error + ": " + cause, null, false, false);
        this.error = error;
        this.cause = cause;
        this.located = located;
    }

    /** A failure of the engine's evaluation of the state being run, {@code message} saying what failed. */
    public static StatesFailure inState(String error, String message) {
        return new StatesFailure(error, message, false);
    }

    /**
     * {@code json} (a state's output, a task's result) is written to the history, unless it is over AWS's payload
     * quota: then the state or task {@code what} fails with States.DataLimitExceeded, as AWS words it.
     */
    public static String withinLimit(String json, String what) {
        if (json.length() > PAYLOAD_LIMIT_BYTES / 3 && utf8Length(json) > PAYLOAD_LIMIT_BYTES) {
            throw new StatesFailure(DATA_LIMIT_EXCEEDED, "The state/task '" + what
                    + "' returned a result with a size exceeding the maximum number of bytes service limit.");
        }
        return json;
    }

    /** The length of {@code text} in UTF-8, counted without encoding it. */
    public static long utf8Length(String text) {
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /** {@link #inState} for States.Runtime. */
    public static StatesFailure runtime(String message) {
        return inState(RUNTIME, message);
    }

    /**
     * The failure as AWS records it once it leaves state {@code state}, entered at event {@code enteredEventId}:
     * "An error occurred while executing the state 'X' (entered at the event id #N). ..." for a failure of the
     * engine's evaluation, unchanged for any other.
     */
    public StatesFailure locatedAt(String state, long enteredEventId) {
        if (located) {
            return this;
        }
        return new StatesFailure(error, "An error occurred while executing the state '" + state
                + "' (entered at the event id #" + enteredEventId + "). " + cause, true);
    }

    public String error() {
        return error;
    }

    public String cause() {
        return cause;
    }
}
