package io.sagaline.local;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import io.sagaline.asl.StatesFailure;
import io.sagaline.asl.jdbc.PostgresStateMachineStore;
import io.sagaline.asl.jdbc.PostgresStateMachineStore.Activity;
import io.sagaline.asl.jdbc.PostgresStateMachineStore.ActivityTask;
import io.sagaline.local.LocalStepFunctions.Refused;

/**
 * Activities, as AWS has them: a Task whose Resource is an activity's ARN waits on its token, and its task (token and
 * input) waits in the store for a worker: GetActivityTask long-polls (at most a minute, as AWS holds it) and takes
 * the oldest task once, ActivityStarted recorded with the worker's name; the worker answers with SendTaskSuccess,
 * SendTaskFailure and SendTaskHeartbeat. The activities and their tasks are durable: a task scheduled by a process
 * that died since is taken by a worker of another.
 */
final class LocalActivities {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(LocalActivities.class);

    /** An activity's name, as CreateActivity takes it (the characters AWS allows in a name). */
    private static final Pattern NAME = Pattern.compile("[^\\s<>{}\\[\\]?*\"#%\\\\^|~`$&,;:/\\x00-\\x1f\\x7f-\\x9f]{1,80}");
    static final Pattern ARN = Pattern.compile("arn:aws[a-z-]*:states:[a-z0-9-]+:\\d{12}:activity:[^\\s:/]{1,80}");
    /** How often a waiting poll looks at the store, for tasks scheduled by another process. */
    private static final Duration RECHECK = Duration.ofMillis(500);

    /** Whether the Task waiting on a token (in an execution here or taken over) got it: ActivityStarted is recorded. */
    interface Starts {
        boolean started(String token, String workerName);
    }

    private final PostgresStateMachineStore store;
    private final Clock clock;
    private final Duration pollTimeout;
    private final Starts starts;
    /** The polls waiting here, woken by the activity's next task scheduled here. */
    private final Map<String, Object> signals = new ConcurrentHashMap<>();

    LocalActivities(PostgresStateMachineStore store, Clock clock, Duration pollTimeout, Starts starts) {
        this.store = store;
        this.clock = clock;
        this.pollTimeout = pollTimeout;
        this.starts = starts;
    }

    static String arn(String name) {
        return "arn:aws:states:" + LocalStepFunctions.REGION + ":" + LocalStepFunctions.ACCOUNT + ":activity:" + name;
    }

    /** CreateActivity: idempotent by name, as in AWS (tags of a second request are ignored). */
    Activity create(String name, Map<String, String> tags) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new Refused("InvalidName", "Invalid Name: '" + name + "'");
        }
        return store.createActivity(new Activity(arn(name), name, clock.instant()), tags);
    }

    Activity describe(String activityArn) {
        return store.activity(activityArn).orElseThrow(() -> doesNotExist(activityArn));
    }

    List<Activity> list(int offset, int limit) {
        return store.activities(offset, limit);
    }

    /** DeleteActivity: its tasks no worker took go with it (their Tasks time out, as in AWS). */
    void delete(String activityArn) {
        store.deleteActivity(activityArn);
    }

    boolean exists(String activityArn) {
        return store.activity(activityArn).isPresent();
    }

    static Refused doesNotExist(String activityArn) {
        return new Refused("ActivityDoesNotExist", "Activity Does Not Exist: '" + activityArn + "'");
    }

    /**
     * A Task's task, queued for the activity's workers (its Task waits on {@code token}); a Task of an activity that
     * does not exist fails with ActivityDoesNotExist (ActivityScheduleFailed in its history).
     */
    void schedule(String activityArn, String token, String input) {
        if (token == null) {
            throw new StatesFailure(StatesFailure.RUNTIME, "an activity's task waits on a token, which only an execution"
                    + " has: mock it in TestState");
        }
        if (!exists(activityArn)) {
            throw new StatesFailure("ActivityDoesNotExist", "Activity Does Not Exist: '" + activityArn + "'");
        }
        store.scheduleActivityTask(activityArn, token, io.sagaline.asl.Interpreter.executionOf(token), input);
        Object signal = signals.get(activityArn);
        if (signal != null) {
            synchronized (signal) {
                signal.notifyAll();
            }
        }
    }

    /** The task of {@code token} was answered, or refused an answer: no worker gets it (best effort). */
    void ended(String token) {
        try {
            store.endActivityTask(token);
        } catch (RuntimeException e) {
            LOG.warnf("the activity task of an answered token stays until its execution ends: %s", e.getMessage());
        }
    }

    /**
     * GetActivityTask: the activity's oldest task no worker took, taken by {@code workerName}, or empty when none comes
     * within the poll's time. A task whose Task no longer waits (stopped, timed out) is dropped, and the next taken.
     */
    Optional<ActivityTask> poll(String activityArn, String workerName, java.util.function.BooleanSupplier gone) {
        describe(activityArn);
        long until = System.nanoTime() + pollTimeout.toNanos();
        Object signal = signals.computeIfAbsent(activityArn, a -> new Object());
        while (!gone.getAsBoolean()) {
            Optional<ActivityTask> taken = store.takeActivityTask(activityArn, workerName);
            if (taken.isPresent()) {
                boolean started;
                try {
                    started = starts.started(taken.get().token(), workerName);
                } catch (RuntimeException e) {
                    store.untakeActivityTask(taken.get().token()); // for the next poll, not lost with this one
                    throw e;
                }
                if (started) {
                    return taken;
                }
                store.endActivityTask(taken.get().token());
                continue;
            }
            long left = until - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            synchronized (signal) {
                try {
                    signal.wait(Math.max(1, Math.min(RECHECK.toMillis(), left / 1_000_000)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                }
            }
        }
        return Optional.empty(); // the worker hung up: what it would have taken stays for the next
    }

    /** The tasks of executions that ended without their answer (stopped, timed out): no worker gets them. */
    void dropEnded() {
        store.dropEndedActivityTasks();
    }

}
