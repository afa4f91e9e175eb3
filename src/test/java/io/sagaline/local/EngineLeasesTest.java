package io.sagaline.local;

import static io.sagaline.support.Api.available;
import static io.sagaline.support.Api.availableCredit;
import static io.sagaline.support.Api.newCustomer;
import static io.sagaline.support.Api.newProduct;
import static io.sagaline.support.Api.placeOrder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.asl.Execution;
import io.sagaline.asl.HistoryEvent;
import io.sagaline.asl.Interpreter;
import io.sagaline.asl.StateMachine;
import io.sagaline.asl.jdbc.PostgresExecutionStore;
import io.sagaline.support.Api;
import io.sagaline.support.Db;
import io.sagaline.support.DevChild;

/**
 * Several engines on one database: each RUNNING execution is leased by one engine, which extends
 * the lease while it lives; one whose lease ran out is taken over by another, under the next lease,
 * and a commit under an older lease is refused, so that no execution goes on in two places.
 */
@QuarkusTest
class EngineLeasesTest {

    private static final String PLACE_ORDER = LocalStepFunctions.stateMachineArn("place-order");

    @Inject
    LocalStepFunctions engine;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    ObjectMapper json;

    private ExecutorService workers;
    private ScheduledExecutorService timer;

    @BeforeEach
    void threads() {
        workers = Executors.newFixedThreadPool(4);
        timer = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void stopThreads() {
        workers.shutdownNow();
        timer.shutdownNow();
    }

    /** A machine of two Tasks: the first blocks in engine A until the test lets it go. */
    private StateMachine twoTasks() throws Exception {
        return StateMachine.parse("two-tasks", json.readTree("""
                {"StartAt": "First", "States": {
                  "First": {"Type": "Task", "Resource": "first", "Next": "Second"},
                  "Second": {"Type": "Task", "Resource": "second", "End": true}}}"""));
    }

    private Interpreter interpreter(PostgresExecutionStore store, Interpreter.TaskInvoker tasks) {
        return new Interpreter(tasks, Interpreter.Scheduler.on(workers, timer), Clock.systemUTC(), store);
    }

    private PostgresExecutionStore store(String owner, Duration lease) {
        return new PostgresExecutionStore(dataSource, json, owner + "-" + UUID.randomUUID(), lease);
    }

    @Test
    void anExecutionTakenOverByAnotherEngine_goesOnThere_andTheFirstEngineCommitsNothingMore() throws Exception {
        PostgresExecutionStore a = store("engine-a", Duration.ofHours(1));
        PostgresExecutionStore b = store("engine-b", Duration.ofHours(1));
        CountDownLatch inFirst = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        AtomicInteger secondInvocations = new AtomicInteger();
        Interpreter engineA = interpreter(a, (resource, payload, timeout) -> {
            if (resource.equals("first")) {
                inFirst.countDown();
                hold(letGo);
            } else {
                secondInvocations.incrementAndGet();
            }
            return json.createObjectNode().put("by", "a");
        });
        Interpreter engineB = interpreter(b, (resource, payload, timeout) -> {
            if (resource.equals("second")) {
                secondInvocations.incrementAndGet();
            }
            return json.createObjectNode().put("by", "b");
        });
        String arn = "arn:aws:states:us-east-1:000000000000:execution:two-tasks:" + UUID.randomUUID();
        Execution first = engineA.start(arn, "lease", "arn:aws:states:us-east-1:000000000000:stateMachine:two-tasks",
                twoTasks(), json.createObjectNode());
        assertThat(inFirst.await(30, TimeUnit.SECONDS)).isTrue();

        // B takes the execution (as if A were dead) and runs it to its end: First again (at least once), then Second.
        Execution taken = b.claim(arn).orElseThrow();
        engineB.resume(taken);
        assertThat(taken.awaitEnd(30, TimeUnit.SECONDS)).isTrue();
        assertThat(taken.status()).isEqualTo(Execution.Status.SUCCEEDED);
        assertThat(taken.output().get("by").asText()).isEqualTo("b");

        // A's task comes back: its run is no longer the execution's, and commits nothing.
        letGo.countDown();
        await().atMost(Duration.ofSeconds(30)).until(first::stalled);
        Execution stored = b.find(arn).orElseThrow();
        assertThat(stored.status()).isEqualTo(Execution.Status.SUCCEEDED);
        assertThat(stored.output().get("by").asText()).as("the output B committed").isEqualTo("b");
        assertThat(secondInvocations).as("Second ran in B only").hasValue(1);
        assertThat(stored.history()).extracting(HistoryEvent::id).as("one history, numbered without gaps")
                .containsExactlyElementsOf(
                        java.util.stream.LongStream.rangeClosed(1, stored.history().size()).boxed().toList());
        assertThat(stored.history()).filteredOn(e -> e.type().equals("ExecutionSucceeded")).hasSize(1);
        assertThat(scheduled(stored)).as("First invoked by A, then again by B; Second by B").containsExactly("first", "first",
                "second");
        assertThat(new Db(dataSource).row("select owner, lease from engine.executions where arn = ?", arn))
                .containsEntry("owner", b.owner()).containsEntry("lease", 1L);
    }

    /**
     * Engine A runs an execution (a day's Wait) under a 2 s lease: while A renews it, this JVM's
     * engine, which looks for leases that ran out every 1.5 s, leaves it alone; once A stops renewing
     * (it died), this JVM's engine takes it over, under the next lease, and A can move it no more.
     */
    @Test
    void onlyALeaseThatRanOutIsTakenOver_andRenewingKeepsIt() throws Exception {
        PostgresExecutionStore a = store("engine-a", Duration.ofSeconds(2));
        Interpreter engineA = interpreter(a, (resource, payload, timeout) -> json.createObjectNode());
        StateMachine waits = StateMachine.parse("waits", json.readTree("""
                {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 86400, "Next": "Done"},
                  "Done": {"Type": "Pass", "End": true}}}"""));
        String arn = "arn:aws:states:us-east-1:000000000000:execution:waits:" + UUID.randomUUID();
        Execution inA = engineA.start(arn, "lease", "arn:aws:states:us-east-1:000000000000:stateMachine:waits", waits,
                json.createObjectNode());
        await().atMost(Duration.ofSeconds(10)).until(() -> inA.history().stream()
                .anyMatch(e -> e.type().equals("WaitStateEntered")) && a.owned().contains(arn));
        try {
            // A renews well within its lease for three lease times: the lease never runs out, nobody takes it.
            long until = System.nanoTime() + Duration.ofSeconds(6).toNanos();
            while (System.nanoTime() < until) {
                assertThat(a.renewLeases(List.of(arn))).as("A still holds its lease").isEqualTo(1);
                Thread.sleep(250); // A's renewal period, a tenth of its lease: the point is that time passes
            }
            assertThat(a.owned()).contains(arn);
            // A stops renewing (it died): this JVM's engine takes the execution once the lease ran out.
            await().atMost(Duration.ofSeconds(15)).until(() -> engine.store().owned().contains(arn));
            assertThat(a.owned()).doesNotContain(arn);
            assertThat(new Db(dataSource).row("select lease from engine.executions where arn = ?", arn))
                    .containsEntry("lease", 1L);
            // A's copy comes back from its pause and tries to go on: refused.
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> engineA.stop(inA, "A", "A thinks it still runs this"))
                    .isInstanceOf(io.sagaline.asl.ExecutionStore.LeaseLost.class);
            assertThat(engine.store().find(arn).orElseThrow().status()).as("A's stop did not commit")
                    .isEqualTo(Execution.Status.RUNNING);
            assertThat(inA.stalled()).isTrue();
        } finally {
            engine.stop(arn, "Test", "clean up");
        }
    }

    @Test
    void stoppingAnExecutionAnotherEngineRuns_takesItsLease_andItsEngineCanNoLongerMoveIt() throws Exception {
        PostgresExecutionStore other = store("engine-other", Duration.ofHours(1));
        CountDownLatch inTask = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        Interpreter otherEngine = interpreter(other, (resource, payload, timeout) -> {
            inTask.countDown();
            hold(letGo);
            return json.createObjectNode();
        });
        String arn = "arn:aws:states:us-east-1:000000000000:execution:two-tasks:" + UUID.randomUUID();
        Execution running = otherEngine.start(arn, "lease", "arn:aws:states:us-east-1:000000000000:stateMachine:two-tasks",
                twoTasks(), json.createObjectNode());
        assertThat(inTask.await(30, TimeUnit.SECONDS)).isTrue();

        Execution stopped = engine.stop(arn, "Operator", "stopped from another engine");
        assertThat(stopped.status()).isEqualTo(Execution.Status.ABORTED);
        letGo.countDown();
        await().atMost(Duration.ofSeconds(30)).until(running::stalled);
        Execution stored = engine.store().find(arn).orElseThrow();
        assertThat(stored.status()).isEqualTo(Execution.Status.ABORTED);
        assertThat(stored.error()).isEqualTo("Operator");
        assertThat(stored.history()).extracting(HistoryEvent::type).as("nothing of the other engine after the stop")
                .endsWith("LambdaFunctionStarted", "ExecutionAborted");
    }

    /**
     * A transactional task (its statements in the store's transaction, committed with the engine's
     * transition after it): taken over while it runs, the first engine's statements are rolled back
     * with its refused commit, so the step's effect is there exactly once although it ran twice.
     */
    @Test
    void aTransactionalTaskOfAnEngineThatLostTheLease_leavesNothing_soItsStepHappensExactlyOnce() throws Exception {
        Db db = new Db(dataSource);
        try (var connection = dataSource.getConnection(); var statement = connection.createStatement()) {
            statement.execute("create table if not exists public.lease_test_steps (execution text, engine text)");
        }
        PostgresExecutionStore a = store("engine-a", Duration.ofHours(1));
        PostgresExecutionStore b = store("engine-b", Duration.ofHours(1));
        CountDownLatch inFirst = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        String arn = "arn:aws:states:us-east-1:000000000000:execution:two-tasks:" + UUID.randomUUID();
        Interpreter engineA = interpreter(a, transactional("a", arn, () -> {
            inFirst.countDown();
            hold(letGo);
        }));
        Interpreter engineB = interpreter(b, transactional("b", arn, () -> {
        }));
        Execution first = engineA.start(arn, "lease", "arn:aws:states:us-east-1:000000000000:stateMachine:two-tasks",
                twoTasks(), json.createObjectNode());
        assertThat(inFirst.await(30, TimeUnit.SECONDS)).isTrue();

        Execution taken = b.claim(arn).orElseThrow();
        engineB.resume(taken);
        await().atMost(Duration.ofSeconds(30)).until(() -> b.find(arn).orElseThrow().status() == Execution.Status.SUCCEEDED);
        letGo.countDown();
        await().atMost(Duration.ofSeconds(30)).until(first::stalled);

        assertThat(db.rows("select engine from public.lease_test_steps where execution = ?", arn))
                .extracting(r -> r.get("engine")).as("each step once, by the engine whose commit stood")
                .containsExactly("b", "b");
        Execution stored = b.find(arn).orElseThrow();
        assertThat(scheduled(stored)).as("the history has A's First only as B's: A's transaction was rolled back")
                .containsExactly("first", "second");
    }

    /** Tasks that write a row naming their engine, in the store's transaction. */
    private Interpreter.TaskInvoker transactional(String engineName, String arn, Runnable beforeFirst) {
        return new Interpreter.TaskInvoker() {
            @Override
            public boolean transactional(String resource) {
                return true;
            }

            @Override
            public JsonNode invoke(String resource, JsonNode payload, Integer timeoutSeconds) {
                throw new IllegalStateException("a transactional task is invoked with its transaction");
            }

            @Override
            public JsonNode invoke(String resource, JsonNode payload, Integer timeoutSeconds,
                    io.sagaline.asl.ExecutionStore.Transaction transaction) {
                if (resource.equals("first")) {
                    beforeFirst.run();
                }
                try (var insert = PostgresExecutionStore.connection(transaction)
                        .prepareStatement("insert into public.lease_test_steps (execution, engine) values (?, ?)")) {
                    insert.setString(1, arn);
                    insert.setString(2, engineName);
                    insert.executeUpdate();
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
                return json.createObjectNode();
            }
        };
    }

    /**
     * Three engines on one database (this JVM and two children) under a burst of PlaceOrder, twelve
     * callers at once; one child is killed with kill -9 at a random moment of the burst, and a caller
     * whose request it did not answer tries this JVM instead. Every order the burst made is approved
     * and its saga ends exactly once: stock and credit taken once per order, one history without
     * gaps each, a task invoked again only where the dead engine had one in flight. Prints the
     * takeover time.
     */
    @Test
    void threeEnginesUnderABurst_oneKilledAtARandomMoment_everyExecutionEndsExactlyOnce() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int orders = 60;
        long creditLimit = 10_000_000;
        String customer = newCustomer(creditLimit);
        String sku = newProduct(100, 10_000);
        long stockBefore = available(sku);
        String body = "{\"customerId\":\"" + customer + "\",\"items\":[{\"sku\":\"" + sku
                + "\",\"quantity\":1}],\"paymentToken\":\"tok_ok\"}";
        // No consumers in the children: ElasticMQ would go on handing messages to a dead child's long polls.
        DevChild doomed = DevChild.start("lease-child-doomed", "sagaline.local.queues.poll=false");
        DevChild survivor = DevChild.start("lease-child-survivor", "sagaline.local.queues.poll=false");
        ExecutorService callers = Executors.newFixedThreadPool(12);
        try {
            List<String> onDoomed = java.util.Collections.synchronizedList(new ArrayList<>());
            List<java.util.concurrent.Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < orders; i++) {
                int target = i % 3;
                calls.add(callers.submit(() -> {
                    if (target == 0) {
                        try {
                            onDoomed.add(DevChild.field(doomed.post("/orders", body), "orderId"));
                            return null;
                        } catch (java.io.IOException | IllegalStateException e) {
                            // killed: the caller tries another engine
                        }
                    }
                    return target == 1 ? DevChild.field(survivor.post("/orders", body), "orderId")
                            : placeOrder(customer, "tok_ok", sku, 1);
                }));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> !onDoomed.isEmpty());
            String dead = owner(onDoomed.get(0));
            Thread.sleep(random.nextInt(1500)); // a random moment of the burst, not a wait for a condition
            doomed.killNine();
            long killedAt = System.nanoTime();
            List<String> heldByDoomed = held(dead); // nothing changes them now until their lease runs out
            for (java.util.concurrent.Future<?> call : calls) {
                call.get(60, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> held(dead).isEmpty());
            long takeoverMillis = (System.nanoTime() - killedAt) / 1_000_000;
            System.out.printf("leases: %d executions the killed engine held were taken over %d ms after its kill -9"
                    + " (lease %s; seed %d)%n", heldByDoomed.size(), takeoverMillis,
                    org.eclipse.microprofile.config.ConfigProvider.getConfig().getValue("sagaline.local.engine.lease",
                            String.class),
                    seed);

            // Every order of the burst, those a caller never heard of included (the doomed child stored them, then died).
            List<String> ids = new Db(dataSource)
                    .rows("select id::text as id from orders.orders where customer_id = ?::uuid", customer).stream()
                    .map(r -> (String) r.get("id")).toList();
            assertThat(ids.size()).as("each call made one order; a call the dying child did not answer may have made one more")
                    .isBetween(orders,
                            orders + 12);
            List<String> saga = List.of("check-order", "reserve-stock", "reserve-credit", "authorize-payment", "approve-order");
            for (String id : ids) {
                assertThat(Api.awaitDecided(id).getString("status")).as("order %s (seed %d)", id, seed).isEqualTo("APPROVED");
                String arn = "arn:aws:states:us-east-1:000000000000:execution:place-order:" + id;
                Execution execution = await().atMost(Duration.ofSeconds(60))
                        .until(() -> engine.store().find(arn).orElseThrow(), e -> e.status() != Execution.Status.RUNNING);
                assertThat(execution.status()).as(arn).isEqualTo(Execution.Status.SUCCEEDED);
                assertThat(execution.history()).extracting(HistoryEvent::id).as("one history without gaps: %s", arn)
                        .containsExactlyElementsOf(
                                java.util.stream.LongStream.rangeClosed(1, execution.history().size()).boxed().toList());
                assertThat(execution.history()).filteredOn(e -> e.type().equals("ExecutionSucceeded")).as(arn).hasSize(1);
                List<String> tasks = scheduled(execution);
                if (heldByDoomed.contains(arn)) {
                    // at least once: the one task the dead engine had in flight may run again, nothing else
                    assertThat(tasks.size()).as("tasks of %s: %s", arn, tasks).isBetween(saga.size(), saga.size() + 1);
                    assertThat(tasks.stream().distinct().toList()).as(arn).isEqualTo(saga);
                } else {
                    assertThat(tasks).as("tasks of %s, which the dead engine did not hold", arn).isEqualTo(saga);
                }
            }
            assertThat(available(sku)).as("stock taken once per order").isEqualTo(stockBefore - ids.size());
            assertThat(availableCredit(customer)).as("credit taken once per order")
                    .isEqualTo(creditLimit - ids.size() * 100L);
        } finally {
            callers.shutdownNow();
            if (doomed.alive()) {
                doomed.killNine();
            }
            survivor.stop();
        }
    }

    private static List<String> scheduled(Execution execution) {
        return execution.history().stream().filter(e -> e.type().equals("LambdaFunctionScheduled"))
                .map(e -> e.details().get("resource").asText().replaceAll(".*:", "")).toList();
    }

    private String owner(String orderId) {
        return (String) new Db(dataSource).row("select owner from engine.executions where arn = ?",
                "arn:aws:states:us-east-1:000000000000:execution:place-order:" + orderId).get("owner");
    }

    private List<String> held(String owner) {
        return new Db(dataSource).rows("select arn from engine.executions where owner = ? and status = 'RUNNING'", owner)
                .stream().map(r -> (String) r.get("arn")).toList();
    }

    private static void hold(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
