package io.sagaline.asl.states;

import java.time.Duration;
import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.asl.query.JsonataQueries;
import io.sagaline.asl.query.PathScope;

/**
 * One run of one state in one execution, as the state sees it: what it reads (its input, the context object,
 * the variables in scope) and what it may do (move on, end, fail, retry, invoke a task, fan out). The interpreter
 * implements it; a state's {@code run} returns how long to wait before it runs again (a Wait, a retry's back-off),
 * null when it has moved on, or {@link #SUSPENDED} while its branches run.
 */
public interface Step {

    /** What {@code run} answers while a Parallel's branches or a Map's iterations run. */
    Duration SUSPENDED = Duration.ofMillis(-1);

    /** The state's input, as it entered. */
    JsonNode input();

    /** The context object ({@code $$}, {@code $states.context}). */
    JsonNode context();

    /** What JSONPath expressions read: the input, the context object and the variables. */
    PathScope paths();

    /** What JSONata expressions read: {@code $states} and the variables. */
    JsonataQueries.Bindings bindings();

    /** When the state was entered. */
    Instant enteredTime();

    /** The engine's clock. */
    Instant now();

    /** Reports the data after one of the state's processing steps (TestState's inspection data). */
    default void inspect(String step, JsonNode data) {
    }

    /** The variables the state assigns (null: none), set when it exits, so that the state itself sees the old ones. */
    void assign(ObjectNode values);

    /** Leaves the state for {@code next} with {@code output}. */
    void next(String next, JsonNode output);

    /** Leaves the state and ends its scope (the execution, a branch, an iteration) successfully. */
    void end(JsonNode output);

    /** Ends the scope with an error (a Fail state). */
    void fail(String error, String cause);

    /** How many times retrier {@code retrier} of this state has retried it since the state was entered. */
    int attempts(int retrier);

    /** The failure as it leaves this state: AWS names the state and its entry in the cause of the engine's own errors. */
    io.sagaline.asl.StatesFailure located(io.sagaline.asl.StatesFailure failure);

    /** Retrier {@code retrier} retries the state after {@code delay}. */
    void retrying(int retrier, String error, Duration delay);

    /** A catcher caught {@code error} and sends the execution to {@code next}. */
    void caught(String error, String cause, String next);

    /**
     * Invokes a Task's resource, recording its scheduling, start and end in the history. Returns its result;
     * a failure of the task is thrown as its StatesFailure.
     */
    JsonNode invoke(String resource, JsonNode payload, Integer timeoutSeconds);

    /**
     * What a Task of the callback pattern ({@code .waitForTaskToken}) waits on, once it has begun to: its token, the
     * answer if it came ({"output": ...} or {"error", "cause"}), its first deadline, which is the heartbeat's
     * when {@code heartbeat}, and whether the integration took the token ({@code submitted}).
     */
    record Waiting(String token, JsonNode answer, Instant due, boolean heartbeat, boolean submitted) {
    }

    /** The callback this Task waits on, or null if it has not begun to (or a retry begins it again). */
    Waiting waiting();

    /**
     * Begins to wait on a new task token, {@code $$.Task.Token} from now on, its deadlines counted from now: TimeoutSeconds
     * (null: AWS's default of 99,999,999 seconds) and HeartbeatSeconds (null: none).
     */
    String awaitToken(Integer timeoutSeconds, Integer heartbeatSeconds);

    /** The wait ended with {@code output}, or with {@code failure} (SendTaskFailure, a deadline), recorded as AWS does. */
    void waitEnded(String resource, JsonNode output, io.sagaline.asl.StatesFailure failure);

    /**
     * Runs {@code plan}'s branches (or iterations): null while they run (the state is then suspended), else how
     * they ended. The plan is asked for only when they have not started in this run yet.
     */
    FanOut.Outcome fanOut(FanOut state, java.util.function.Supplier<FanOut.Plan> plan);
}
