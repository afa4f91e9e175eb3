package io.sagaline.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.local.LocalStepFunctions;
import io.sagaline.local.asl.Execution;
import io.sagaline.support.Api;
import io.sagaline.support.Db;

/**
 * Not a test: a benchmark, run only with {@code -Dbench=true} (see bench/README.md). PlaceOrder
 * executions on the durable engine at concurrency 1, 8 and 32, and in the same run the same
 * PostgreSQL writes the engine made (its commits and history rows) issued straight over JDBC at
 * the same concurrency: the engine's rate as a ratio of the database's.
 */
@QuarkusTest
@EnabledIfSystemProperty(named = "bench", matches = "true")
class EngineBenchmark {

    private static final int EXECUTIONS = Integer.getInteger("bench.executions", 300);

    @Inject
    LocalStepFunctions engine;
    @Inject
    AgroalDataSource dataSource;

    @Test
    void placeOrderOnTheDurableEngine_versusTheSameWritesWithoutIt() throws Exception {
        String customer = Api.newCustomer(1_000_000_000_000L);
        String sku = Api.newProduct(100, 1_000_000_000L);
        run(customer, sku, 8, 100); // warm-up
        String passOnly = engine.register("bench-pass-only", new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
                {"StartAt": "S1", "States": {
                  "S1": {"Type": "Pass", "Result": {"step": 1}, "ResultPath": "$.s1", "Next": "S2"},
                  "S2": {"Type": "Pass", "Result": {"step": 2}, "ResultPath": "$.s2", "Next": "S3"},
                  "S3": {"Type": "Pass", "Result": {"step": 3}, "ResultPath": "$.s3", "Next": "S4"},
                  "S4": {"Type": "Pass", "Result": {"step": 4}, "ResultPath": "$.s4", "End": true}}}"""));
        run(passOnly, names(100), name -> "{\"tenant\":\"demo\"}", 8); // warm-up
        StringBuilder report = new StringBuilder();
        report.append("\nPlaceOrder on the durable engine, " + EXECUTIONS + " executions per row (" + Instant.now() + ")\n");
        table(report, concurrency -> run(customer, sku, concurrency, EXECUTIONS));
        report.append("\nFour Pass states (interpreter and store only, no functions), " + EXECUTIONS + " executions per row\n");
        table(report, concurrency -> run(passOnly, names(EXECUTIONS), name -> "{\"tenant\":\"demo\"}", concurrency));
        System.out.println(report);
    }

    interface Workload {
        Result run(int concurrency) throws Exception;
    }

    /** One row per concurrency: the engine's rate, and the same writes without it, measured right after. */
    private void table(StringBuilder report, Workload workload) throws Exception {
        report.append(String.format("%-11s %-10s %-13s %-14s %-9s %-9s %-16s %-14s%n", "concurrency", "execs/s",
                "transitions/s", "commits/exec", "p50 ms", "p99 ms", "same writes/s", "engine/db"));
        for (int concurrency : new int[] { 1, 8, 32 }) {
            long[] before = engine.store().counters();
            Result engineRun = workload.run(concurrency);
            long[] after = engine.store().counters();
            double commitsPerExecution = (after[0] - before[0]) / (double) EXECUTIONS;
            double eventsPerCommit = (after[1] - before[1]) / (double) (after[0] - before[0]);
            double dbExecutionsPerSecond = sameWrites(concurrency, (int) Math.round(commitsPerExecution),
                    (int) Math.round(eventsPerCommit));
            report.append(String.format("%-11d %-10.1f %-13.0f %-14.1f %-9.1f %-9.1f %-16.1f %-14.2f%n", concurrency,
                    engineRun.perSecond, engineRun.perSecond * engineRun.transitions, commitsPerExecution, engineRun.p50,
                    engineRun.p99, dbExecutionsPerSecond, engineRun.perSecond / dbExecutionsPerSecond));
        }
    }

    private static List<String> names(int count) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add(UUID.randomUUID().toString());
        }
        return names;
    }

    record Result(double perSecond, double transitions, double p50, double p99) {
    }

    private Result run(String customer, String sku, int concurrency, int count) throws Exception {
        List<String> orders = new ArrayList<>();
        Db db = new Db(dataSource);
        for (int i = 0; i < count; i++) {
            String orderId = UUID.randomUUID().toString();
            db.placePendingOrder(orderId, customer,
                    LocalStepFunctions.stateMachineArn("place-order").replace(":stateMachine:", ":execution:") + ":" + orderId,
                    sku, 1);
            orders.add(orderId);
        }
        return run(LocalStepFunctions.stateMachineArn("place-order"), orders,
                orderId -> "{\"tenant\":\"demo\",\"orderId\":\"" + orderId + "\",\"customerId\":\"" + customer
                        + "\",\"items\":[{\"sku\":\"" + sku + "\",\"quantity\":1}],\"paymentToken\":\"tok_ok\"}",
                concurrency);
    }

    /** Starts an execution per name, at most {@code concurrency} at once, and measures them to their ends. */
    private Result run(String machine, List<String> names, java.util.function.Function<String, String> inputFor,
            int concurrency) throws Exception {
        int count = names.size();
        Semaphore slots = new Semaphore(concurrency);
        CountDownLatch done = new CountDownLatch(count);
        ConcurrentLinkedQueue<Double> latencies = new ConcurrentLinkedQueue<>();
        AtomicInteger transitions = new AtomicInteger();
        long started = System.nanoTime();
        for (String name : names) {
            slots.acquire();
            String input = inputFor.apply(name);
            long t0 = System.nanoTime();
            Execution execution = engine.start(machine, name, input);
            execution.finished().whenComplete((e, failure) -> {
                try {
                    latencies.add((System.nanoTime() - t0) / 1e6);
                    transitions.addAndGet((int) e.history().stream().filter(h -> h.type().endsWith("StateEntered")).count());
                    if (e.status() != Execution.Status.SUCCEEDED) {
                        System.err.println("not SUCCEEDED: " + e.arn() + " " + e.error() + " " + e.cause());
                    }
                } finally {
                    slots.release();
                    done.countDown();
                }
            });
        }
        done.await(10, TimeUnit.MINUTES);
        double seconds = (System.nanoTime() - started) / 1e9;
        List<Double> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        return new Result(count / seconds, transitions.get() / (double) count, sorted.get(sorted.size() / 2),
                sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1));
    }

    /** The engine's writes for {@code EXECUTIONS} executions, straight over JDBC; returns executions' worth per second. */
    private double sameWrites(int concurrency, int commitsPerExecution, int eventsPerCommit) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        CountDownLatch done = new CountDownLatch(EXECUTIONS);
        String definition = engine.stateMachine(LocalStepFunctions.stateMachineArn("place-order")).definition().toString();
        long started = System.nanoTime();
        for (int i = 0; i < EXECUTIONS; i++) {
            pool.execute(() -> {
                String arn = "bench:" + UUID.randomUUID();
                try (Connection c = dataSource.getConnection()) {
                    long id = 0;
                    for (int commit = 0; commit < commitsPerExecution; commit++) {
                        c.setAutoCommit(false);
                        try (PreparedStatement upsert = c.prepareStatement("""
                                insert into engine.executions (arn, name, state_machine_arn, machine_name, definition, input,
                                    status, start_date, state, state_input, state_entered)
                                values (?, 'bench', 'bench', 'bench', ?::jsonb, '{"tenant":"demo"}'::jsonb, 'SUCCEEDED', now(),
                                    'S', '{"tenant":"demo"}'::jsonb, now())
                                on conflict (arn) do update set state = excluded.state, state_input = excluded.state_input,
                                    state_entered = excluded.state_entered""");
                                PreparedStatement event = c.prepareStatement("""
                                        insert into engine.history (execution_arn, id, previous_event_id, ts, type, details)
                                        values (?, ?, ?, now(), 'TaskStateEntered', '{"name":"S","input":"{}"}'::jsonb)""")) {
                            upsert.setString(1, arn);
                            upsert.setString(2, definition);
                            upsert.executeUpdate();
                            for (int e = 0; e < eventsPerCommit; e++) {
                                id++;
                                event.setString(1, arn);
                                event.setLong(2, id);
                                event.setLong(3, id - 1);
                                event.addBatch();
                            }
                            event.executeBatch();
                            c.commit();
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                } finally {
                    done.countDown();
                }
            });
        }
        done.await(10, TimeUnit.MINUTES);
        pool.shutdown();
        return EXECUTIONS / ((System.nanoTime() - started) / 1e9);
    }
}
