package io.sagaline.asl.states;

import java.util.List;

import io.sagaline.asl.StatesFailure;
import io.sagaline.asl.query.JsonataQueries;

/**
 * Which errors an ErrorEquals names: itself; States.ALL all but States.Runtime and the terminal
 * States.DataLimitExceeded (as AWS documents it); States.TaskFailed a task's own.
 */
public final class Errors {

    private Errors() {
    }

    /** {@link #matches(List, String)}, and States.HeartbeatTimeout for a heartbeat missed. */
    public static boolean matches(List<String> errorEquals, StatesFailure failure) {
        return matches(errorEquals, failure.error())
                || failure instanceof TaskState.HeartbeatMissed && errorEquals.contains(TaskState.HEARTBEAT_TIMEOUT);
    }

    /** Whether a Retry's or Catch's ErrorEquals names {@code error}. */
    public static boolean matches(List<String> errorEquals, String error) {
        for (String name : errorEquals) {
            if (name.equals(error)) {
                return true;
            }
            if (StatesFailure.ALL.equals(name) && !StatesFailure.RUNTIME.equals(error)
                    && !StatesFailure.DATA_LIMIT_EXCEEDED.equals(error)) {
                return true;
            }
            if (StatesFailure.TASK_FAILED.equals(name) && !StatesFailure.TIMEOUT.equals(error)
                    && !StatesFailure.RUNTIME.equals(error) && !StatesFailure.DATA_LIMIT_EXCEEDED.equals(error)
                    && !JsonataQueries.QUERY_EVALUATION_ERROR.equals(error)) {
                return true;
            }
        }
        return false;
    }
}
