package io.sagaline.bench;

import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.asl.Execution;
import io.sagaline.bench.CapturedStatements.Capture;
import io.sagaline.local.LocalStepFunctions;
import io.sagaline.support.Api;
import io.sagaline.support.Db;

/**
 * Not a test: a benchmark, run only with {@code -Dbench=true} (see bench/README.md). PlaceOrder
 * executions on the durable engine at concurrency 1, 8 and 32, against their own SQL: every
 * statement a PlaceOrder saga issued (the engine's and its functions', in their transactions) is
 * read back from the server's log, and in the same run, at the same concurrency, on the same
 * server, the same transactions are issued bare over JDBC. The engine's rate as a fraction of that
 * is how close the local runtime comes to the speed of its own SQL.
 */
@QuarkusTest
@io.quarkus.test.junit.TestProfile(EngineBenchmark.LongLeases.class)
@EnabledIfSystemProperty(named = "bench", matches = "true")
class EngineBenchmark {

    /**
     * Leases that outlast the run: the bare replay writes execution rows that no engine runs (the engine's own
     * statements, with fresh ids), and with the tests' 3 s leases the engine's takeover sweep would pick them up and
     * run those sagas in the middle of the next row's measurement.
     */
    public static class LongLeases implements io.quarkus.test.junit.QuarkusTestProfile {
        @Override
        public java.util.Map<String, String> getConfigOverrides() {
            return java.util.Map.of("sagaline.local.engine.lease", "30m");
        }
    }

    private static final int EXECUTIONS = Integer.getInteger("bench.executions", 300);
    private static final int WARM_UP = Integer.getInteger("bench.warm-up", 1000);
    private static final int CAPTURED = 20;
    /** Customers and products the orders are spread over. */
    private static final int SHOP_SIZE = Integer.getInteger("bench.shop-size", 100);
    /** The queue consumers' schemas: their work follows a saga but is not the saga's. */
    private static final Set<String> CONSUMERS = Set.of("invoices", "notifications");

    @Inject
    LocalStepFunctions engine;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    io.sagaline.platform.messaging.Queues queues;
    @Inject
    software.amazon.awssdk.services.sqs.SqsClient sqs;

    @Test
    void placeOrderOnTheDurableEngine_versusItsOwnStatementsIssuedBare() throws Exception {
        Shop shop = Shop.open(SHOP_SIZE);
        String placeOrder = LocalStepFunctions.stateMachineArn("place-order");
        Function<String, String> orderInput = orderId -> "{\"tenant\":\"demo\",\"orderId\":\"" + orderId
                + "\",\"customerId\":\"" + shop.customer(orderId) + "\",\"items\":[{\"sku\":\"" + shop.sku(orderId)
                + "\",\"quantity\":1}],\"paymentToken\":\"tok_ok\"}";
        // Warm-up: until the JIT has compiled the hot paths (its compile time is reported per row).
        run(placeOrder, placeOrders(shop, WARM_UP), orderInput, 8);
        String passOnly = engine.register("bench-pass-only", new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
                {"StartAt": "S1", "States": {
                  "S1": {"Type": "Pass", "Result": {"step": 1}, "ResultPath": "$.s1", "Next": "S2"},
                  "S2": {"Type": "Pass", "Result": {"step": 2}, "ResultPath": "$.s2", "Next": "S3"},
                  "S3": {"Type": "Pass", "Result": {"step": 3}, "ResultPath": "$.s3", "Next": "S4"},
                  "S4": {"Type": "Pass", "Result": {"step": 4}, "ResultPath": "$.s4", "End": true}}}"""));
        Function<String, String> passInput = name -> "{\"tenant\":\"demo\"}";
        run(passOnly, names(WARM_UP), passInput, 8); // warm-up

        Set<String> shared = shop.ids();
        List<String> ids = names(CAPTURED);
        Capture setup = CapturedStatements.capture(dataSource, ids, shared, CONSUMERS, () -> placeOrders(shop, ids));
        Capture saga = CapturedStatements.capture(dataSource, ids, shared, CONSUMERS,
                () -> unchecked(() -> run(placeOrder, ids, orderInput, 1)));
        List<String> passIds = names(CAPTURED);
        Capture pass = CapturedStatements.capture(dataSource, passIds, Set.of(), CONSUMERS,
                () -> unchecked(() -> run(passOnly, passIds, passInput, 1)));

        StringBuilder report = new StringBuilder();
        String idle = memory();
        report.append("\nPlaceOrder on the durable engine against its own SQL, " + EXECUTIONS + " executions per row ("
                + Instant.now() + ", " + server() + ")\n");
        describe(report, saga);
        table(report, concurrency -> run(placeOrder, placeOrders(shop, EXECUTIONS), orderInput, concurrency),
                concurrency -> CapturedStatements.replay(dataSource, setup.executions(), saga.executions(), shared, EXECUTIONS,
                        concurrency));
        report.append("\nFour Pass states (interpreter and store only, no functions), " + EXECUTIONS + " executions per row\n");
        describe(report, pass);
        table(report, concurrency -> run(passOnly, names(EXECUTIONS), passInput, concurrency),
                concurrency -> CapturedStatements.replay(dataSource, List.of(), pass.executions(), Set.of(), EXECUTIONS,
                        concurrency));
        if (Boolean.parseBoolean(System.getProperty("bench.two-engines", "true"))) {
            twoEngines(report, shop, placeOrder, orderInput);
        }
        report.append("\nresident memory after the warm-up: " + idle + "\nafter the rows: " + memory() + "\n");
        System.out.println(report);
    }

    /**
     * This JVM's resident set (now and its peak), and the database server's proportional set (its
     * postmaster and backends, found by its data directory; they share their buffers, which a sum of
     * resident sets would count once per backend). The server may be another user's: root reads it.
     */
    private String memory() throws Exception {
        String dataDirectory;
        try (Connection c = dataSource.getConnection();
                var s = c.createStatement();
                var r = s.executeQuery("select current_setting('data_directory')")) {
            r.next();
            dataDirectory = r.getString(1);
        }
        long server = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(line -> line.contains(dataDirectory)).orElse(false))
                .flatMap(p -> java.util.stream.Stream.concat(java.util.stream.Stream.of(p), p.descendants()))
                .distinct().mapToLong(p -> kilobytes(p.pid(), "smaps_rollup", "Pss:")).sum();
        long self = ProcessHandle.current().pid();
        return String.format("JVM %d MB (peak %d MB), the PostgreSQL server %d MB (proportional, 0: not readable here)",
                kilobytes(self, "status", "VmRSS:") / 1024, kilobytes(self, "status", "VmHWM:") / 1024, server / 1024);
    }

    private static long kilobytes(long pid, String file, String field) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + pid + "/" + file))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // the process ended meanwhile, or this is no Linux: nothing to count
        }
        return 0;
    }

    interface Workload {
        Result run(int concurrency) throws Exception;
    }

    interface Baseline {
        CapturedStatements.Replay run(int concurrency) throws Exception;
    }

    interface Work {
        Object run() throws Exception;
    }

    private static void unchecked(Work work) {
        try {
            work.run();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String server() throws Exception {
        try (Connection c = dataSource.getConnection();
                var s = c.createStatement();
                var r = s.executeQuery("select current_setting('server_version'), current_setting('fsync'),"
                        + " current_setting('synchronous_commit')")) {
            r.next();
            return "PostgreSQL " + r.getString(1) + ", fsync " + r.getString(2) + ", synchronous_commit " + r.getString(3);
        }
    }

    /** Waits until every queue is empty (nothing visible or in flight) and every outbox is sent. */
    private void awaitQuiet() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (true) {
            long pending = 0;
            for (var queue : queues.catalog().queues()) {
                var attributes = sqs.getQueueAttributes(r -> r.queueUrl(queues.url(queue.name())).attributeNames(
                        software.amazon.awssdk.services.sqs.model.QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        software.amazon.awssdk.services.sqs.model.QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                        .attributes();
                pending += attributes.values().stream().mapToLong(Long::parseLong).sum();
            }
            try (Connection c = dataSource.getConnection();
                    var s = c.createStatement();
                    var r = s.executeQuery("select count(*) from orders.outbox where published_at is null")) {
                r.next();
                pending += r.getLong(1);
            }
            if (pending == 0) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(pending + " messages still pending after 3 minutes");
            }
            Thread.sleep(100); // polling the queues' and the outbox's counts; nothing to await but them
        }
    }

    /** What an execution issued, as the capture found it. */
    private static void describe(StringBuilder report, Capture capture) {
        List<CapturedStatements.Execution> executions = capture.executions();
        java.util.IntSummaryStatistics transactions = executions.stream().mapToInt(e -> e.transactions().size())
                .summaryStatistics();
        if (transactions.getMin() == 0) {
            throw new IllegalStateException("an execution left no statement in the server's log");
        }
        double engine = executions.stream().mapToLong(e -> e.transactions().stream().filter(t -> t.touches("engine")).count())
                .average().orElse(0);
        double statements = executions.stream().mapToInt(CapturedStatements.Execution::statements).average().orElse(0);
        report.append(String.format("per execution (%d captured): %.1f transactions (%d to %d; %.1f the engine's, %.1f its"
                + " functions'), %.1f statements; meanwhile %.1f transactions of the queue consumers per execution, %d of"
                + " nothing captured, %d naming two executions (not replayed), %d unfinished at the capture's end%n",
                executions.size(), transactions.getAverage(), transactions.getMin(), transactions.getMax(), engine,
                transactions.getAverage() - engine, statements, capture.elsewhere().size() / (double) executions.size(),
                capture.unrelated().size(), capture.ambiguous().size(), capture.unfinished()));
    }

    /** One row per concurrency: the engine's rate, and its own SQL issued bare, measured right after. */
    private void table(StringBuilder report, Workload workload, Baseline baseline) throws Exception {
        report.append(String.format("%-11s %-10s %-13s %-9s %-9s %-12s %-12s %-13s %-13s %-10s%n", "concurrency", "execs/s",
                "transitions/s", "p50 ms", "p99 ms", "cpu ms/exec", "sql execs/s", "sql p50 ms", "sql p99 ms", "engine/sql"));
        var jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long jitBefore = jit.getTotalCompilationTime();
        for (int concurrency : new int[] { 1, 8, 32 }) {
            long cpu = os.getProcessCpuTime();
            Result engineRun = workload.run(concurrency);
            double cpuPerExecution = (os.getProcessCpuTime() - cpu) / 1e6 / EXECUTIONS;
            awaitQuiet(); // the consumers' backlog of the engine's row must not slow the bare SQL
            CapturedStatements.Replay bare = baseline.run(concurrency);
            awaitQuiet();
            report.append(String.format("%-11d %-10.1f %-13.0f %-9.1f %-9.1f %-12.1f %-12.1f %-13.1f %-13.1f %-10.2f%n",
                    concurrency, engineRun.perSecond, engineRun.perSecond * engineRun.transitions, engineRun.p50,
                    engineRun.p99, cpuPerExecution, bare.perSecond(), bare.p50(), bare.p99(),
                    engineRun.perSecond / bare.perSecond()));
        }
        report.append(String.format("(the JIT compiled for %.1f s during these rows; cpu ms/exec is this JVM's, not the"
                + " database server's)%n", (jit.getTotalCompilationTime() - jitBefore) / 1e3));
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

    /**
     * The customers and products the orders are spread over, as a shop's are (one customer buying
     * one product in every saga would measure the wait for two row locks instead). Each order's
     * customer and sku follow from its id.
     */
    record Shop(List<String> customers, List<String> skus) {
        static Shop open(int size) {
            List<String> customers = new ArrayList<>();
            List<String> skus = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                customers.add(Api.newCustomer(1_000_000_000_000L));
                skus.add(Api.newProduct(100, 1_000_000_000L));
            }
            return new Shop(customers, skus);
        }

        String customer(String orderId) {
            return customers.get(Math.floorMod(orderId.hashCode(), customers.size()));
        }

        String sku(String orderId) {
            return skus.get(Math.floorMod(orderId.hashCode() / 7, skus.size()));
        }

        /** The ids every execution may share: the customers' (skus are no UUIDs). */
        Set<String> ids() {
            Set<String> ids = new java.util.HashSet<>();
            customers.forEach(c -> ids.add(c.toLowerCase(java.util.Locale.ROOT)));
            return ids;
        }
    }

    private List<String> placeOrders(Shop shop, int count) {
        List<String> orders = names(count);
        placeOrders(shop, orders);
        return orders;
    }

    /** PENDING orders, as place-order leaves them, each for the execution named after it. */
    private void placeOrders(Shop shop, List<String> orders) {
        Db db = new Db(dataSource);
        for (String orderId : orders) {
            db.placePendingOrder(orderId, shop.customer(orderId),
                    LocalStepFunctions.stateMachineArn("place-order").replace(":stateMachine:", ":execution:") + ":" + orderId,
                    shop.sku(orderId), 1);
        }
    }

    /**
     * Starts an execution per name, at most {@code concurrency} at once, and measures them to their
     * ends. An execution's end is when it ends in memory, just before the engine commits that end:
     * each saga's figure leaves out that last of its 15 transactions (bench/README.md). Any execution
     * that does not succeed, or does not end within ten minutes, fails the benchmark.
     */
    private Result run(String machine, List<String> names, Function<String, String> inputFor, int concurrency)
            throws Exception {
        return run(names, inputFor, concurrency, (i, name, input) -> started(engine.start(machine, name, input)));
    }

    /** How one execution ended: null {@code problem} when it succeeded, with the states it entered. */
    record Ended(String problem, int transitions) {
    }

    interface Starter {
        java.util.concurrent.CompletableFuture<Ended> start(int index, String name, String input) throws Exception;
    }

    /** An execution of this JVM's engine, as {@link Ended} once it ends. */
    private static java.util.concurrent.CompletableFuture<Ended> started(Execution execution) {
        return execution.finished().thenApply(e -> e.status() == Execution.Status.SUCCEEDED
                ? new Ended(null, (int) e.history().stream().filter(h -> h.type().endsWith("StateEntered")).count())
                : new Ended(e.arn() + " " + e.status() + " " + e.error() + " " + e.cause(), 0));
    }

    /**
     * Starts one execution per name with {@code start}, its input from {@code inputFor}, {@code concurrency} in flight at a
     * time, and waits for all:
     * the rate, the states entered per execution and the latencies. Any execution that does not succeed, or does
     * not end within ten minutes, fails the benchmark.
     */
    private static Result run(List<String> names, Function<String, String> inputFor, int concurrency, Starter start)
            throws Exception {
        int count = names.size();
        Semaphore slots = new Semaphore(concurrency);
        CountDownLatch done = new CountDownLatch(count);
        ConcurrentLinkedQueue<Double> latencies = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger transitions = new AtomicInteger();
        long started = System.nanoTime();
        for (int i = 0; i < count; i++) {
            String name = names.get(i);
            slots.acquire();
            String input = inputFor.apply(name);
            long t0 = System.nanoTime();
            start.start(i, name, input).whenComplete((ended, failure) -> {
                try {
                    latencies.add((System.nanoTime() - t0) / 1e6);
                    if (failure != null || ended.problem() != null) {
                        failures.add(failure != null ? name + ": " + failure : ended.problem());
                    } else {
                        transitions.addAndGet(ended.transitions());
                    }
                } finally {
                    slots.release();
                    done.countDown();
                }
            });
        }
        if (!done.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException(done.getCount() + " of " + count + " executions did not end within 10 minutes");
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException(failures.size() + " executions did not succeed, e.g. " + failures.peek());
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        List<Double> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        return new Result(count / seconds, transitions.get() / (double) count, sorted.get(sorted.size() / 2),
                sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1));
    }

    /**
     * PlaceOrder on two engine processes sharing the database, this JVM's and a child's (the built application),
     * every second execution started on the child through its Step Functions API: the rate of the two together
     * at each concurrency (executions in flight in all), beside this JVM's alone measured in the same run.
     */
    private void twoEngines(StringBuilder report, Shop shop, String placeOrder, Function<String, String> orderInput)
            throws Exception {
        report.append("\nPlaceOrder on two engine processes on the one database (this JVM and a child JVM), half the"
                + " executions each, " + EXECUTIONS + " executions per row\n");
        report.append(String.format("%-11s %-12s %-13s %-9s %-9s %-14s %-10s%n", "concurrency", "one execs/s",
                "two execs/s", "p50 ms", "p99 ms", "two/one", "owners"));
        try (SecondEngine second = new SecondEngine(dataSource)) {
            run(placeOrder, placeOrders(shop, WARM_UP / 4), orderInput, 8, second); // the child's JIT warms up too
            for (int concurrency : new int[] { 1, 8, 32 }) {
                Result one = run(placeOrder, placeOrders(shop, EXECUTIONS), orderInput, concurrency);
                awaitQuiet();
                List<String> names = placeOrders(shop, EXECUTIONS);
                Result two = run(placeOrder, names, orderInput, concurrency, second);
                awaitQuiet();
                report.append(String.format("%-11d %-12.1f %-13.1f %-9.1f %-9.1f %-14.2f %s%n", concurrency, one.perSecond,
                        two.perSecond, two.p50, two.p99, two.perSecond / one.perSecond, second.owners(names).values()));
            }
        }
        report.append("(p50 and p99 of the child's executions include up to 5 ms of the poll that sees their end)\n");
    }

    /** As {@link #run(String, List, Function, int)}, with every second execution started on {@code second}. */
    private Result run(String machine, List<String> names, Function<String, String> inputFor, int concurrency,
            SecondEngine second) throws Exception {
        return run(names, inputFor, concurrency, (i, name, input) -> i % 2 == 0
                ? started(engine.start(machine, name, input))
                : second.start(machine, name, input)
                        .thenApply(status -> new Ended("SUCCEEDED".equals(status) ? null : name + ": " + status, 0)));
    }
}
