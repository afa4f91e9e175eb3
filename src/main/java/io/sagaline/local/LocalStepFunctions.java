package io.sagaline.local;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.agroal.api.AgroalDataSource;
import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.runtime.StartupEvent;
import io.sagaline.asl.Execution;
import io.sagaline.asl.Interpreter;
import io.sagaline.asl.StateMachine;
import io.sagaline.asl.jdbc.PostgresExecutionStore;
import io.sagaline.asl.jdbc.PostgresStateMachineStore;
import io.sagaline.platform.Catalog;

/**
 * Step Functions on the laptop: the state machines of the catalog, their task placeholders
 * filled with local Lambda ARNs as Terraform's templatefile() fills them with real ones, and
 * executions run by the ASL interpreter on a bounded pool of workers, tasks invoked in-process.
 */
@ApplicationScoped
@IfBuildProfile(anyOf = { "dev", "test" })
public class LocalStepFunctions {

    private static final Logger LOG = Logger.getLogger(LocalStepFunctions.class);
    public static final String REGION = "us-east-1";
    public static final String ACCOUNT = "000000000000";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_]+)}");
    private static final Pattern EXECUTION_NAME = Pattern
            .compile("[^\\s<>{}\\[\\]?*\"#%\\\\^|~`$&,;:/\\x00-\\x1f\\x7f-\\x9f]{1,80}");

    /** A request the engine refuses, with its AWS error code: the SDK raises the exception of that name. */
    public static class Refused extends RuntimeException {
        private final String code;

        Refused(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private final LocalFunctions functions;
    private final ObjectMapper json;
    private final StateMachineRegistry machines;
    private final Map<String, Execution> executions = new ConcurrentHashMap<>();
    /*
     * The executions of the map in the order they ended, so that forgetting the ended ones looks at
     * those alone: a scan of the whole map at every start was 7% of the CPU of a PlaceOrder load,
     * under this object's lock (bench/README.md). One redriven and ended again is in it twice.
     */
    private static final Duration KEPT_AFTER_END = Duration.ofSeconds(60);
    private final Queue<Ended> ended = new ConcurrentLinkedQueue<>();

    /** An execution and when it ended that time (a redriven one ends again, later). */
    private record Ended(Execution execution, Instant at, Instant really) {
    }

    private final LocalIntegrations integrations;
    private final LocalActivities activities;
    /** Every execution's status changes, onto the catalog's execution-events queue (README, "Execution events"). */
    private final LocalExecutionEvents events;
    private final LocalMocks mocks;
    /** The executions running a mock test case, and which (read back from the store for one resumed here). */
    private final Map<String, String> testCases = new ConcurrentHashMap<>();
    private final ExecutorService workers;
    private final ScheduledExecutorService timer;
    private final Interpreter interpreter;
    /** Runs EXPRESS executions: on the same workers, kept nowhere, as AWS keeps no history of them. */
    private final Interpreter express;
    /**
     * The clock a test moves (README, "Time you control"), and the interpreters of the executions started while it is
     * the engine's clock: the same store, integrations and workers, only time is the test's.
     */
    private final ControlledClock controlledClock;
    private final Interpreter controlled;
    private final Interpreter controlledExpress;
    /** Whether executions started now run on the controlled clock. */
    private volatile boolean clockControlled;
    /** The executions in memory that run on the controlled clock: they stay on it until they leave memory. */
    private final java.util.Set<String> onControlledClock = ConcurrentHashMap.newKeySet();

    private final PostgresExecutionStore store;
    /**
     * The nested executions started here whose parents' Tasks wait for their end ({@code .sync}): the store has the
     * links too, for a child that ends elsewhere or after a restart ({@link #tellParents}).
     */
    private final Map<String, java.util.Set<PostgresExecutionStore.Parent>> parents = new ConcurrentHashMap<>();
    /** The parents being told now (by the child's end here, or by a sweep): each told by one worker at a time. */
    private final java.util.Set<PostgresExecutionStore.Parent> telling = ConcurrentHashMap.newKeySet();
    private final Instant loadedAt = Instant.now();
    /**
     * How long an execution's lease lasts after its last extension: this process extends its leases every third
     * of it and looks for leases that ran out every half of it, so that an execution of a process that died goes
     * on elsewhere within about one and a half lease times.
     */
    private final Duration leaseTime;
    /** The leases' own thread: a renewal must not wait behind the workers, or a busy engine would lose its leases. */
    private final ScheduledExecutorService leases = Executors
            .newSingleThreadScheduledExecutor(r -> daemon(r, "sfn-leases"));

    LocalStepFunctions(LocalFunctions functions, ObjectMapper json, AgroalDataSource dataSource,
            software.amazon.awssdk.services.sqs.SqsClient sqs,
            io.sagaline.platform.observability.Telemetry telemetry, io.sagaline.platform.observability.Metrics metrics,
            @ConfigProperty(name = "sagaline.local.workers", defaultValue = "16") int workerCount,
            @ConfigProperty(name = "sagaline.local.engine.lease", defaultValue = "10s") Duration leaseTime,
            @ConfigProperty(name = "sagaline.local.sfn.mock-config") Optional<String> mockConfig,
            @ConfigProperty(name = "sagaline.local.sfn.clock", defaultValue = "system") String clockMode,
            @ConfigProperty(name = "sagaline.local.sfn.activity-poll", defaultValue = "60s") Duration activityPoll,
            @ConfigProperty(name = "sagaline.local.sfn.execution-events", defaultValue = "true") boolean executionEvents,
            LocalQueues queues) {
        this.functions = functions;
        this.json = json;
        this.leaseTime = leaseTime;
        // This process as the leases name it: its pid, for whoever reads the table, and a random part, for a pid reused.
        this.store = new PostgresExecutionStore(dataSource, json, "engine-" + ProcessHandle.current().pid() + "-"
                + java.util.HexFormat.of().toHexDigits(java.util.concurrent.ThreadLocalRandom.current().nextLong()), leaseTime);
        AtomicInteger count = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(workerCount, r -> daemon(r, "sfn-worker-" + count.incrementAndGet()));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "sfn-timer"));
        Interpreter.Scheduler scheduler = Interpreter.Scheduler.on(workers, timer);
        // The engine's metrics, as AWS/States has them per state machine: executions ended by status, and retries.
        Interpreter.Observer observer = new Interpreter.Observer() {
            @Override
            public void retried(Execution execution, String state, String error) {
                metrics.retried(execution.machine().name(), state, error);
            }

            @Override
            public void ended(Execution execution) {
                metrics.executionEnded(execution.machine().name(), execution.status().name());
            }

            @Override
            public void running(Execution execution) {
                events.changed(execution);
            }

            @Override
            public void endCommitted(Execution execution) {
                events.changed(execution);
                java.util.Set<PostgresExecutionStore.Parent> waiting = parents.get(execution.arn());
                if (waiting != null) {
                    waiting.forEach(parent -> tell(parent, () -> Optional.of(execution)));
                }
            }
        };
        // Step Functions Local's variable names the file too, so that a team's setup works unchanged
        this.mocks = new LocalMocks(mockConfig.orElse(System.getenv("SFN_MOCK_CONFIG")), json);
        this.events = new LocalExecutionEvents(sqs, queues::executionEventsUrl, json, executionEvents);
        PostgresStateMachineStore machineStore = new PostgresStateMachineStore(dataSource, json);
        this.activities = new LocalActivities(machineStore, Clock.systemUTC(), activityPoll, this::activityStarted);
        this.integrations = new LocalIntegrations(functions, sqs, json, this::mocked,
                (token, output) -> workers.execute(() -> answerQuietly(token, output)), this::startNested, activities,
                AwsSdkIntegrations.local(json));
        this.interpreter = new Interpreter(integrations, scheduler, Clock.systemUTC(), store, telemetry.tracer(),
                observer);
        this.express = new Interpreter(integrations, scheduler, Clock.systemUTC(),
                io.sagaline.asl.ExecutionStore.NONE,
                telemetry.tracer(), observer);
        this.controlledClock = new ControlledClock(workers, Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        this.controlled = new Interpreter(integrations, controlledClock, controlledClock.clock(), store, telemetry.tracer(),
                observer);
        this.controlledExpress = new Interpreter(integrations, controlledClock, controlledClock.clock(),
                io.sagaline.asl.ExecutionStore.NONE, telemetry.tracer(), observer);
        this.clockControlled = switch (clockMode) {
            case "system" -> false;
            case "controlled" -> true;
            default -> throw new IllegalStateException(
                    "sagaline.local.sfn.clock is \"" + clockMode + "\": it is either system or controlled");
        };
        this.machines = new StateMachineRegistry(machineStore, json, Clock.systemUTC());
        for (Catalog.StateMachine spec : functions.catalog().stateMachines()) {
            String definition = render(spec);
            machines.catalogue(stateMachineArn(spec.name()), load(spec, definition), definition, spec.type(), loadedAt);
        }
    }

    void recover(@Observes StartupEvent startup) {
        int resumed = resumeOrphans();
        if (resumed > 0) {
            LOG.infof("resumed %d running executions", resumed);
        }
        tellParents();
        long renew = Math.max(1, leaseTime.toMillis() / 3);
        leases.scheduleWithFixedDelay(this::renewLeases, renew, renew, TimeUnit.MILLISECONDS);
        long sweep = Math.max(1, leaseTime.toMillis() / 2);
        leases.scheduleWithFixedDelay(this::takeOverExpired, sweep, sweep, TimeUnit.MILLISECONDS);
    }

    private void renewLeases() {
        try {
            // Only what runs here: an execution that stalled here (a failed commit) lets its lease run out, so
            // that another process, or this one's next start, goes on with it.
            store.renewLeases(executions.values().stream()
                    .filter(e -> e.status() == Execution.Status.RUNNING && !e.stalled()).map(Execution::arn).toList());
        } catch (RuntimeException e) {
            LOG.warnf(e, "the engine's leases could not be renewed; they run out in %s", leaseTime);
        }
    }

    private void takeOverExpired() {
        try {
            int taken = takeOver();
            if (taken > 0) {
                LOG.infof("took over %d executions whose engine's lease ran out", taken);
            }
        } catch (RuntimeException e) {
            LOG.warnf(e, "could not look for executions whose lease ran out");
        }
        tellParents();
    }

    /**
     * The parents of nested executions that ended but whose end no process told them (it ended in a process that did
     * not start it, or the one that did died before telling, or the parent could not take it then): told now, on the
     * workers, a lease after the store first saw the end, so that the process that committed it tells first.
     */
    private void tellParents() {
        try {
            activities.dropEnded();
        } catch (RuntimeException e) {
            LOG.warnf(e, "could not drop the activity tasks of ended executions");
        }
        try {
            for (PostgresExecutionStore.Parent parent : store.endedChildren(leaseTime, 100)) {
                tell(parent, () -> store.find(parent.childArn()));
            }
        } catch (RuntimeException e) {
            LOG.warnf(e, "could not look for nested executions that ended");
        }
    }

    /** Tells {@code parent} of its child's end on a worker, unless a worker tells it already. */
    private void tell(PostgresExecutionStore.Parent parent, java.util.function.Supplier<Optional<Execution>> child) {
        if (!telling.add(parent)) {
            return;
        }
        workers.execute(() -> {
            try {
                child.get().ifPresent(ended -> tellParent(parent, ended));
            } catch (RuntimeException e) {
                LOG.warnf(e, "the end of %s could not be told to its parent: told again later", parent.childArn());
            } finally {
                telling.remove(parent);
            }
        });
    }

    /**
     * A nested execution's end, committed, answers the Task that waits for it ({@code .sync}, {@code .sync:2}), as
     * SendTaskSuccess or SendTaskFailure would. The link goes once the parent took the answer, or when its last commit
     * shows it no longer waits on that token (stopped, timed out, gone on); a parent that waits but cannot take it now
     * (its branch not yet running again after a takeover) keeps the link, for the next sweep.
     */
    private void tellParent(PostgresExecutionStore.Parent parent, Execution child) {
        if (child.status() == Execution.Status.RUNNING) {
            return; // redriven since: its next end tells
        }
        String parentArn = Interpreter.executionOf(parent.token());
        if (parentArn == null || !store.awaits(parentArn, parent.token())) {
            forget(parent);
            return;
        }
        try {
            answer(parent.token(), integrations.ended(child, parent.pattern()));
            forget(parent);
        } catch (Refused e) {
            LOG.debugf("the parent of %s did not take its end yet (%s): told again by a later sweep", child.arn(),
                    e.getMessage());
        }
    }

    /** A parent told (or no longer waiting): its link goes, from the store and from memory. */
    private void forget(PostgresExecutionStore.Parent parent) {
        store.unlink(parent);
        parents.computeIfPresent(parent.childArn(), (child, waiting) -> {
            waiting.remove(parent);
            return waiting.isEmpty() ? null : waiting;
        });
    }

    /** Links a child to a parent that waits for it, in the store first. */
    private void link(PostgresExecutionStore.Parent parent) {
        store.link(parent);
        parents.computeIfAbsent(parent.childArn(), child -> ConcurrentHashMap.newKeySet()).add(parent);
    }

    /**
     * Goes on with the executions that are RUNNING in the store and that no process runs: those this
     * process holds but does not run (its last commit failed here, or a test's engine left them), and
     * those whose lease ran out (their process died). Each is taken under its next lease, so that a
     * copy still under way elsewhere can commit nothing more, and goes on with the definition it
     * started with.
     */
    public synchronized int resumeOrphans() {
        int resumed = 0;
        for (String arn : store.owned()) {
            Execution live = executions.get(arn);
            if (live == null || live.stalled()) {
                Optional<Execution> claimed = store.claim(arn);
                if (claimed.isPresent()) {
                    resume(claimed.get());
                    resumed++;
                }
            }
        }
        return resumed + takeOver();
    }

    /** Takes over the executions whose lease ran out, in batches. */
    private synchronized int takeOver() {
        int taken = 0;
        for (List<Execution> batch = store.claimExpired(100); !batch.isEmpty(); batch = store.claimExpired(100)) {
            batch.forEach(this::resume);
            taken += batch.size();
        }
        return taken;
    }

    private void resume(Execution execution) {
        if (execution.status() == Execution.Status.RUNNING) {
            restoreTestCase(execution);
            keep(execution);
            interpreterOf(execution).resume(execution);
        }
    }

    /** The interpreter an execution runs on: the one of the clock it started on. */
    private Interpreter interpreterOf(Execution execution) {
        return onControlledClock.contains(execution.arn()) ? controlled : interpreter;
    }

    /** The controlled clock (README, "Time you control"). */
    ControlledClock controlledClock() {
        return controlledClock;
    }

    /** Whether executions started from now on run on the controlled clock. */
    boolean clockControlled() {
        return clockControlled;
    }

    /** Executions started from now on run on the controlled clock, or on the system's; those running stay on theirs. */
    void controlClock(boolean controlled) {
        this.clockControlled = controlled;
    }

    /** StopExecution: a running execution, here, in another process or left by a dead one, ends ABORTED. */
    public synchronized Execution stop(String executionArn, String error, String cause) {
        Execution execution = owned(executionArn)
                .orElseThrow(() -> new Refused("ExecutionDoesNotExist", "Execution Does Not Exist: '" + executionArn + "'"));
        if (execution.status() != Execution.Status.RUNNING) {
            throw new Refused("ValidationException",
                    "Execution " + executionArn + " is " + execution.status() + ", not RUNNING");
        }
        interpreterOf(execution).stop(execution, error, cause);
        return execution;
    }

    /**
     * SendTaskSuccess ({"output": ...}) and SendTaskFailure ({"error", "cause"}): the Task waiting on {@code token}
     * goes on with that answer, committed before this returns. The execution is answered where it runs: here, or taken
     * over from the process that runs it or ran it (as StopExecution does), and resumed here.
     */
    public void answer(String token, JsonNode outcome) {
        try {
            onTask(token, execution -> interpreterOf(execution).answer(execution, token, outcome));
        } finally {
            activities.ended(token); // an activity's task, if it was one: no worker gets it any more
        }
    }

    /**
     * GetActivityTask gave a worker the task of {@code token}: ActivityStarted in its execution (here, or taken over);
     * false if its Task no longer waits.
     */
    private boolean activityStarted(String token, String workerName) {
        try {
            onTask(token, execution -> interpreterOf(execution).activityStarted(execution, token, workerName));
            return true;
        } catch (Refused e) {
            return false;
        }
    }

    /**
     * The threads of the API calls that wait (GetActivityTask's long poll, up to a minute;
     * StartSyncExecution, up to an EXPRESS execution's five minutes): they hold neither an event
     * loop nor one of the API's workers.
     */
    private final ExecutorService waits = Executors.newCachedThreadPool(r -> daemon(r, "sfn-api-wait"));

    ExecutorService waits() {
        return waits;
    }

    /** The activities and their tasks. */
    LocalActivities activities() {
        return activities;
    }

    /** SendTaskHeartbeat: the Task waiting on {@code token} gets its HeartbeatSeconds again from now. */
    public void heartbeat(String token) {
        onTask(token, execution -> interpreterOf(execution).heartbeat(execution, token));
    }

    /**
     * TestState: one state run on its own ({@link io.sagaline.asl.testing.StateTest}), its task mocked or performed
     * as an execution's would be.
     */
    public io.sagaline.asl.testing.StateTest.Result testState(JsonNode definition, String stateName, JsonNode input,
            io.sagaline.asl.testing.StateTest.Mock mock, int retries) {
        return io.sagaline.asl.testing.StateTest.run(definition, stateName, input, mock, retries, integrations::invoke);
    }

    /** An execution taken from the store keeps running its mock test case, if it was started on one. */
    private void restoreTestCase(Execution execution) {
        if (mocks.configured()) {
            machines.origin(execution.arn()).map(PostgresStateMachineStore.Origin::testCase)
                    .ifPresent(c -> testCases.put(execution.arn(), c));
        }
    }

    /** A task's mocked response, if its execution runs a test case that mocks its state. */
    private Optional<LocalMocks.Response> mocked(Interpreter.TaskInvoker.Call call) {
        String testCase = testCases.get(call.executionArn());
        if (testCase == null) {
            return Optional.empty();
        }
        return mocks.response(machineOf(call.executionArn()), testCase, call.state(), call.retryCount());
    }

    /** The state machine's name in an execution's ARN ({@code ...:execution:<machine>:<name>}). */
    private static String machineOf(String executionArn) {
        String rest = executionArn.substring(executionArn.indexOf(":execution:") + ":execution:".length());
        return rest.substring(0, rest.indexOf(':'));
    }

    /** A mocked callback Task's answer: its mocked result, as if sent with SendTaskSuccess. */
    private void answerQuietly(String token, JsonNode output) {
        try {
            answer(token, json.createObjectNode().set("output", output));
        } catch (RuntimeException e) {
            LOG.warnf("the mocked answer to a task token was not taken: %s", e.getMessage());
        }
    }

    /** How long an answer to a branch's token waits for the branch to be running here after a takeover. */
    private static final Duration BRANCH_RESUMES_WITHIN = Duration.ofSeconds(5);

    private void onTask(String token, java.util.function.Predicate<Execution> answer) {
        String executionArn = Interpreter.executionOf(token);
        if (executionArn == null) {
            throw new Refused("InvalidToken", "Invalid Token: 'the token is not one this engine gave'");
        }
        Execution execution;
        boolean takenOver;
        synchronized (this) {
            Execution live = executions.get(executionArn);
            takenOver = live == null || live.stalled();
            execution = owned(executionArn).orElseThrow(() -> new Refused("TaskDoesNotExist", "Task Does Not Exist"));
            if (takenOver && execution.status() == Execution.Status.RUNNING) {
                restoreTestCase(execution);
                interpreterOf(execution).resume(execution);
            }
        }
        boolean answered = answer.test(execution);
        // A branch runs again here only once its Parallel or Map state is run again: until then its token waits.
        long until = System.nanoTime() + BRANCH_RESUMES_WITHIN.toNanos();
        while (!answered && takenOver && execution.status() == Execution.Status.RUNNING && System.nanoTime() < until) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            answered = answer.test(execution);
        }
        if (!answered) {
            throw new Refused("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'");
        }
    }

    /** RedriveExecution: a FAILED, TIMED_OUT or ABORTED execution goes on from where it stopped. */
    public synchronized Execution redrive(String executionArn) {
        // Only an ended execution is taken from whoever ran it: a running one (here or elsewhere) is refused as it is.
        Optional<Execution> current = execution(executionArn);
        Execution execution = (current.isPresent() && current.get().status() == Execution.Status.RUNNING ? current
                : owned(executionArn))
                .orElseThrow(() -> new Refused("ExecutionDoesNotExist", "Execution Does Not Exist: '" + executionArn + "'"));
        restoreTestCase(execution);
        if (!interpreterOf(execution).redrive(execution)) {
            throw new Refused("ExecutionNotRedrivable", "Execution " + executionArn + " is " + execution.status()
                    + (execution.status() == Execution.Status.RUNNING || execution.status() == Execution.Status.SUCCEEDED ? ""
                            : " at a Fail state")
                    + " and cannot be redriven");
        }
        keep(execution);
        return execution;
    }

    /**
     * ListExecutions of a machine (every execution of it), or of a version or an alias (those started on that
     * version or alias).
     */
    public List<PostgresExecutionStore.Summary> list(String stateMachineArn, Execution.Status status, Boolean redriven,
            int limit,
            PostgresExecutionStore.Cursor after) {
        String base = StateMachineRegistry.unqualified(stateMachineArn, "ListExecutions");
        if (base.equals(stateMachineArn)) {
            if (!machines.exists(base)) {
                throw StateMachineRegistry.doesNotExist(base);
            }
            return store.list(base, null, status, redriven, limit, after);
        }
        machines.resolve(stateMachineArn); // the version or alias exists
        return store.list(base, stateMachineArn, status, redriven, limit, after);
    }

    /** The state machines, their versions, aliases and tags. */
    StateMachineRegistry machines() {
        return machines;
    }

    /** The store this engine commits to (for tests that play a second, crashing process on it). */
    public PostgresExecutionStore store() {
        return store;
    }

    /**
     * Creates a state machine beside the catalog's, or gives the one of that name this definition (a
     * CreateStateMachine, or an UpdateStateMachine, for tools and tests). A definition AWS would refuse
     * is refused, naming the state and field.
     */
    public String register(String name, JsonNode definition) {
        return register(name, definition, "STANDARD");
    }

    /** {@link #register(String, JsonNode)} for a STANDARD or an EXPRESS state machine. */
    public String register(String name, JsonNode definition, String type) {
        String arn = stateMachineArn(name);
        if (machines.exists(arn) && !machines.catalogued(arn) && !machines.describe(arn).type().equals(type)) {
            machines.delete(arn);
        }
        if (machines.exists(arn) && !machines.catalogued(arn)) {
            machines.update(arn, new StateMachineRegistry.Change(definition.toString(), null, null, null, false, null));
        } else {
            machines.create(new StateMachineRegistry.Creation(name, definition.toString(), StateMachineRegistry.DEFAULT_ROLE,
                    type, null, null, null, false, null));
        }
        return arn;
    }

    /** How long an EXPRESS execution may run, as in AWS. */
    static final Duration EXPRESS_LIMIT = Duration.ofMinutes(5);

    /**
     * StartSyncExecution, as AWS has it: only for EXPRESS state machines (a STANDARD one is
     * refused with StateMachineTypeNotSupported); the caller waits for the end, at most five
     * minutes, after which the execution is TIMED_OUT. Nothing of it is kept.
     */
    public Execution startSync(String stateMachineArn, String name, String input, String traceHeader) {
        StateMachineRegistry.Resolved resolved = machines.resolve(stateMachineArn);
        if (!"EXPRESS".equals(resolved.type())) {
            throw new Refused("StateMachineTypeNotSupported",
                    "This operation is not supported by this type of state machine: " + stateMachineArn + " is STANDARD");
        }
        if (name == null) {
            name = java.util.UUID.randomUUID().toString();
        } else if (!EXECUTION_NAME.matcher(name).matches()) {
            throw new Refused("InvalidName", "Invalid Name: '" + name + "'");
        }
        JsonNode parsed = parseInput(input);
        String executionArn = resolved.stateMachineArn().replace(":stateMachine:", ":express:") + ":" + name + ":"
                + java.util.UUID.randomUUID();
        // On the controlled clock, its five minutes are the clock's: the caller waits until a test moves it past them.
        Interpreter runner = clockControlled ? controlledExpress : express;
        Execution execution = runner.start(executionArn, name, resolved.stateMachineArn(), resolved.machine(), parsed,
                traceHeader);
        if (runner == controlledExpress) {
            controlledClock.after(EXPRESS_LIMIT, () -> controlledExpress.timeOut(execution,
                    "the EXPRESS execution ran longer than " + EXPRESS_LIMIT.toMinutes() + " minutes"));
            execution.awaitEnd(Long.MAX_VALUE, TimeUnit.MILLISECONDS);
        } else if (!execution.awaitEnd(EXPRESS_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
            express.timeOut(execution, "the EXPRESS execution ran longer than " + EXPRESS_LIMIT.toMinutes() + " minutes");
        }
        return execution;
    }

    /** When the state machines were loaded: their creationDate as far as this engine knows. */
    public Instant loadedAt() {
        return loadedAt;
    }

    /**
     * The state machine an execution on {@code stateMachineArn} (a machine, a version or an alias) runs, or
     * StateMachineDoesNotExist as AWS answers.
     */
    public StateMachine machine(String stateMachineArn) {
        return machines.resolve(stateMachineArn).machine();
    }

    /** STANDARD or EXPRESS: the type of the state machine {@code stateMachineArn} names (or StateMachineDoesNotExist). */
    public String type(String stateMachineArn) {
        return machines.resolve(stateMachineArn).type();
    }

    public static String stateMachineArn(String name) {
        return "arn:aws:states:" + REGION + ":" + ACCOUNT + ":stateMachine:" + name;
    }

    public static String lambdaArn(String function) {
        return "arn:aws:lambda:" + REGION + ":" + ACCOUNT + ":function:" + function;
    }

    /** The definition with every {@code ${name_arn}} replaced, as Terraform's templatefile() does. */
    String render(Catalog.StateMachine spec) {
        String text = Catalog.readText(spec.resource());
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String placeholder = m.group(1);
            Catalog.Function function = functions.catalog().functions().stream()
                    .filter(f -> f.arnPlaceholder().equals(placeholder)).findFirst()
                    .orElseThrow(() -> new IllegalStateException(spec.definition() + ": ${" + placeholder
                            + "} names no function of the catalog"));
            m.appendReplacement(out, Matcher.quoteReplacement(lambdaArn(function.name())));
        }
        m.appendTail(out);
        return out.toString();
    }

    private StateMachine load(Catalog.StateMachine spec, String definition) {
        try {
            return StateMachine.parse(spec.name(), json.readTree(definition));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(spec.definition() + " is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The catalog's state machines. */
    public Collection<String> stateMachineArns() {
        return machines.catalogArns();
    }

    /** StartExecution, with its idempotency: same name and input while running is the same execution. */
    public synchronized Execution start(String stateMachineArn, String name, String input) {
        return start(stateMachineArn, name, input, null);
    }

    /** StartExecution in the trace {@code traceHeader} (X-Ray's header) names, if given. */
    public Execution start(String stateMachineArn, String name, String input, String traceHeader) {
        return start(stateMachineArn, name, input, traceHeader, null, null, clockControlled);
    }

    /**
     * A nested execution a Task starts (states:startExecution): on the controlled clock if its parent runs on it, and,
     * when the Task waits for its end, linked to the Task's token before it starts.
     */
    private Execution startNested(String parentArn, String parentToken, String pattern, String stateMachineArn,
            String name, String input) {
        boolean controlledParent = parentArn != null && onControlledClock.contains(parentArn);
        return start(stateMachineArn, name, input, null, parentToken, pattern, clockControlled || controlledParent);
    }

    private synchronized Execution start(String stateMachineArn, String name, String input, String traceHeader,
            String parentToken, String pattern, boolean onControlled) {
        int hash = stateMachineArn.indexOf('#');
        String testCase = hash < 0 ? null : stateMachineArn.substring(hash + 1);
        StateMachineRegistry.Resolved resolved = machines.resolve(hash < 0 ? stateMachineArn
                : stateMachineArn.substring(0, hash));
        if (testCase != null) {
            mocks.check(resolved.machine().name(), testCase);
        }
        if (name == null || !EXECUTION_NAME.matcher(name).matches()) {
            throw new Refused("InvalidName", "Invalid Name: '" + name + "'");
        }
        JsonNode parsed = parseInput(input);
        String executionArn = resolved.stateMachineArn().replace(":stateMachine:", ":execution:") + ":" + name;
        forgetEnded();
        PostgresExecutionStore.Parent parent = parentToken == null ? null
                : new PostgresExecutionStore.Parent(executionArn, parentToken, pattern);
        Execution existing = execution(executionArn).orElse(null);
        if (existing != null) {
            boolean same = existing.input().equals(parsed);
            if (parent != null && same && (existing.status() == Execution.Status.RUNNING || linkedTo(parent))) {
                // the Task that started it, invoked again (its engine died after the start), or another Task
                // starting an execution that runs (StartExecution's idempotency): it waits for this child too
                link(parent);
                if (existing.status() != Execution.Status.RUNNING) {
                    tell(parent, () -> Optional.of(existing));
                }
                return existing;
            }
            if (existing.status() == Execution.Status.RUNNING && same) {
                return existing;
            }
            throw new Refused("ExecutionAlreadyExists", "Execution Already Exists: '" + executionArn + "'");
        }
        if (parent != null) {
            link(parent);
        }
        machines.origin(executionArn, resolved, testCase);
        if (testCase != null) {
            testCases.put(executionArn, testCase); // before the start: its first task may be mocked
        }
        if (onControlled) {
            onControlledClock.add(executionArn);
        }
        Execution execution;
        try {
            execution = (onControlled ? controlled : interpreter).start(executionArn, name, resolved.stateMachineArn(),
                    resolved.machine(), parsed, traceHeader);
        } catch (RuntimeException e) {
            testCases.remove(executionArn);
            onControlledClock.remove(executionArn);
            if (parent != null) {
                try {
                    forget(parent);
                } catch (RuntimeException unlinked) {
                    e.addSuppressed(unlinked);
                }
            }
            throw e;
        }
        keep(execution);
        return execution;
    }

    /** Whether the child of {@code parent} was started for that Task (the same token): it waits for that child. */
    private boolean linkedTo(PostgresExecutionStore.Parent parent) {
        java.util.Set<PostgresExecutionStore.Parent> waiting = parents.get(parent.childArn());
        return waiting != null && waiting.contains(parent) || store.parentsOf(parent.childArn()).contains(parent);
    }

    private JsonNode parseInput(String input) {
        return parseJson(input == null ? "{}" : input, "InvalidExecutionInput", "Invalid State Machine Execution Input");
    }

    /**
     * JSON text the API takes (an execution's input, a task's output, a mocked result): one value and nothing after
     * it, else refused with {@code code} and a message that begins with {@code what}.
     */
    JsonNode parseJson(String text, String code, String what) {
        JsonNode parsed;
        try {
            parsed = json.reader().with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .readTree(text);
        } catch (java.io.IOException e) {
            throw new Refused(code, what + ": " + e.getMessage());
        }
        if (parsed == null || parsed.isMissingNode()) {
            throw new Refused(code, what + ": it is empty");
        }
        return parsed;
    }

    /**
     * An execution this process runs is the live one; any other (ended, run by another process, or taken from
     * this one) is read back from the store.
     */
    public Optional<Execution> execution(String executionArn) {
        Execution live = executions.get(executionArn);
        return live != null && !live.stalled() ? Optional.of(live) : store.find(executionArn);
    }

    /** The execution to stop or redrive here: the live one, or else taken over from whoever holds it. */
    private Optional<Execution> owned(String executionArn) {
        Execution live = executions.get(executionArn);
        if (live != null && !live.stalled()) {
            return Optional.of(live);
        }
        Optional<Execution> claimed = store.claim(executionArn);
        claimed.filter(e -> e.status() == Execution.Status.RUNNING).ifPresent(this::keep);
        return claimed;
    }

    /** Keeps a running execution in memory until a while after it ends. */
    private void keep(Execution execution) {
        executions.put(execution.arn(), execution);
        execution.finished().thenRun(() -> {
            ended.add(new Ended(execution, execution.stopDate(), Instant.now()));
            testCases.remove(execution.arn()); // a redrive reads it back from the store
        });
    }

    /** Ended executions leave memory a while after their end is committed; the store keeps them. */
    private void forgetEnded() {
        Instant before = Instant.now().minus(KEPT_AFTER_END);
        for (Ended e = ended.peek(); e != null; e = ended.peek()) {
            if (e.at() == null || !e.at().equals(e.execution().stopDate())) {
                ended.poll(); // redriven since: its next end puts it here again
            } else if (e.really().isBefore(before)) {
                ended.poll();
                if (e.execution().status() != Execution.Status.RUNNING
                        && executions.remove(e.execution().arn(), e.execution())) {
                    onControlledClock.remove(e.execution().arn());
                    events.forget(e.execution().arn());
                }
            } else {
                return; // the rest ended later
            }
        }
    }

    /** A daemon thread: the local runtime's threads never keep the JVM alive. */
    static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * A clean shutdown stops taking work without interrupting what runs: an execution whose next
     * step can no longer be scheduled stays RUNNING at its last commit and is resumed at the next
     * start, as after a crash, instead of failing for a reason of this process's own.
     */
    @PreDestroy
    void stop() {
        leases.shutdownNow();
        waits.shutdownNow();
        events.stop();
        timer.shutdown();
        workers.shutdown();
        try {
            // Handed over at once only if nothing of this process still runs; else they run out as after a crash.
            if (workers.awaitTermination(2, TimeUnit.SECONDS)) {
                store.releaseLeases();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warnf(e, "the engine's leases could not be released; they run out in %s", leaseTime);
        }
    }
}
