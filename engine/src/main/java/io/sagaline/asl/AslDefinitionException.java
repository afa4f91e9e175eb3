package io.sagaline.asl;

/**
 * A state machine definition that AWS would refuse at creation, as AWS reports it (CreateStateMachine's
 * InvalidDefinition, ValidateStateMachineDefinition's diagnostics): a code, a message and the location of the
 * offending value as a JSON pointer into the definition ({@code /States/Charge/Retry/0/BackoffRate}).
 */
public class AslDefinitionException extends RuntimeException {

    /** The definition breaks the language's rules (a field, a value, a type). */
    public static final String SCHEMA_VALIDATION_FAILED = "SCHEMA_VALIDATION_FAILED";
    /** A StartAt, Next or Default names no state of its scope, or a state cannot be reached. */
    public static final String MISSING_TRANSITION_TARGET = "MISSING_TRANSITION_TARGET";
    /** No state of a machine (or branch) can end it. */
    public static final String MISSING_END_STATE = "MISSING_END_STATE";

    private final String code;
    private final String location;
    private final String problem;
    private final String detail;

    /**
     * @param detail what the engine found, beyond AWS's own message (a parser's complaint, say); null when none
     */
    public AslDefinitionException(String code, String location, String problem, String detail) {
        super(code + ": " + problem + " at " + (location.isEmpty() ? "/" : location)
                + (detail == null ? "" : " (" + detail + ")"));
        this.code = code;
        this.location = location.isEmpty() ? "/" : location;
        this.problem = problem;
        this.detail = detail;
    }

    public AslDefinitionException(String code, String location, String problem) {
        this(code, location, problem, null);
    }

    /** AWS's diagnostic code: {@link #SCHEMA_VALIDATION_FAILED}, {@link #MISSING_TRANSITION_TARGET}. */
    public String code() {
        return code;
    }

    /** Where the problem is: a JSON pointer into the definition, {@code /} for the whole of it. */
    public String location() {
        return location;
    }

    /** What is wrong, worded as AWS words it where the engine knows AWS's words. */
    public String problem() {
        return problem;
    }

    public String detail() {
        return detail;
    }

    /**
     * The JSON pointer of {@code field} under {@code base}: {@code Retry[0].ErrorEquals} is {@code /Retry/0/ErrorEquals},
     * and a key ending in {@code .$} stays one step ({@code Parameters.id.$} is {@code /Parameters/id.$}).
     */
    public static String pointer(String base, String field) {
        if (field == null || field.isEmpty()) {
            return base;
        }
        StringBuilder out = new StringBuilder(base);
        String[] steps = field.replace("[", ".").replace("]", "").replace('/', '.').split("\\.");
        for (int i = 0; i < steps.length; i++) {
            String step = steps[i];
            if (i + 1 < steps.length && "$".equals(steps[i + 1])) {
                step = step + ".$";
                i++;
            }
            if (!step.isEmpty()) {
                out.append('/').append(step);
            }
        }
        return out.toString();
    }
}
