package io.sagaline.bench.peer;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import io.sagaline.asl.Execution;
import io.sagaline.asl.ExecutionStore;
import io.sagaline.asl.Interpreter;
import io.sagaline.asl.StateMachine;
import io.sagaline.asl.jdbc.PostgresExecutionStore;

/**
 * The peer saga (shared/bench/peer-saga/README.md) on Sagaline's engine: an ASL state machine whose Tasks run the
 * saga's steps in-process, each its own local transaction on the business database, and whose store is the
 * engine's PostgreSQL store on the same server, every transition committed as in production. Prints one RESULT
 * line per measured run.
 */
public final class PeerSagaRunner {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MACHINE_ARN = "arn:aws:states:us-east-1:000000000000:stateMachine:peer-saga";

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>(Map.of("jdbc", "jdbc:postgresql://127.0.0.1:5432/bench", "user",
                "bench", "password", "bench", "concurrency", "8", "sagas", "2000", "runs", "3", "warmup", "1000", "fail",
                "20", "label", "sagaline", "transactions", "shared"));
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("not key=value: " + arg);
            }
            options.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        int concurrency = Integer.parseInt(options.get("concurrency"));
        int sagas = Integer.parseInt(options.get("sagas"));
        int runs = Integer.parseInt(options.get("runs"));
        int warmup = Integer.parseInt(options.get("warmup"));
        int fail = Integer.parseInt(options.get("fail"));
        boolean shared = options.get("transactions").equals("shared");
        String label = options.get("label") + "-" + options.get("transactions") + "-c" + concurrency;
        String verify = Files.readString(Path.of(options.getOrDefault("verify", "verify.sql")));

        try (AgroalDataSource dataSource = pool(options, concurrency)) {
            emptyEngineTables(dataSource);
            StateMachine machine;
            try (InputStream definition = PeerSagaRunner.class.getResourceAsStream("/place-order.asl.json")) {
                machine = StateMachine.parse("peer-saga", JSON.readTree(definition));
            }
            PostgresExecutionStore postgres = new PostgresExecutionStore(dataSource, JSON, "peer-saga-" + UUID.randomUUID(),
                    Duration.ofMinutes(10));
            // The engine's store, counting its commits (a shared transaction's commit is one of them).
            Map<ExecutionStore.Transaction, java.sql.Connection> connections = new java.util.concurrent.ConcurrentHashMap<>();
            ExecutionStore store = new ExecutionStore() {
                @Override
                public void commit(Execution.Commit commit) {
                    postgres.commit(commit);
                    committed(commit);
                }

                @Override
                public Transaction begin() {
                    Transaction transaction = postgres.begin();
                    Transaction counted = new Transaction() {
                        @Override
                        public void commit(Execution.Commit commit) {
                            connections.remove(this);
                            transaction.commit(commit);
                            committed(commit);
                        }

                        @Override
                        public void rollback() {
                            connections.remove(this);
                            transaction.rollback();
                        }
                    };
                    connections.put(counted, PostgresExecutionStore.connection(transaction));
                    return counted;
                }
            };
            ExecutorService workers = Executors.newFixedThreadPool(concurrency);
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
            Interpreter engine = new Interpreter(new Steps(dataSource, shared, connections::get),
                    Interpreter.Scheduler.on(workers, timer),
                    Clock.systemUTC(), store);
            ExecutorService starters = Executors.newFixedThreadPool(concurrency);
            AtomicLong orderIds = new AtomicLong();
            run(engine, starters, machine, warmup, concurrency, fail, orderIds);
            for (int n = 1; n <= runs; n++) {
                long commitsBefore = COMMITS.get();
                long cpuBefore = cpuNanos();
                Result result = run(engine, starters, machine, sagas, concurrency, fail, orderIds);
                long cpu = cpuNanos() - cpuBefore;
                Map<String, Long> invariants = verify(dataSource, verify);
                long notSucceeded = count(dataSource, "select count(*) from engine.executions where status <> 'SUCCEEDED'");
                boolean ok = notSucceeded == 0 && invariants.entrySet().stream()
                        .allMatch(e -> e.getKey().equals("confirmed") || e.getKey().equals("rejected") || e.getValue() == 0);
                System.out.printf(
                        "RESULT %s run=%d sagas_per_s=%.1f p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f errors=%d invariants=%s"
                                + " commits_per_saga=%.2f cpu_ms_per_saga=%.2f executions_not_succeeded=%d confirmed=%d rejected=%d%n",
                        label, n, result.perSecond(), result.percentile(50), result.percentile(95), result.percentile(99),
                        result.errors(), ok ? "OK" : "FAIL " + invariants, (COMMITS.get() - commitsBefore) / (double) sagas,
                        cpu / 1e6 / sagas, notSucceeded, invariants.get("confirmed"), invariants.get("rejected"));
            }
            starters.shutdown();
            workers.shutdown();
            timer.shutdown();
        }
    }

    /** The sagas in flight, each ended when the commit of its end is done (not when its end is reached in memory). */
    private static final Map<String, java.util.concurrent.CompletableFuture<Execution.Status>> ENDS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final AtomicLong COMMITS = new AtomicLong();

    private static void committed(Execution.Commit commit) {
        COMMITS.incrementAndGet();
        if (commit.status() != Execution.Status.RUNNING) {
            var end = ENDS.remove(commit.arn());
            if (end != null) {
                end.complete(commit.status());
            }
        }
    }

    record Result(double perSecond, double[] latenciesMillis, int errors) {
        double percentile(int p) {
            if (latenciesMillis.length == 0) {
                return 0;
            }
            return latenciesMillis[Math.min(latenciesMillis.length - 1,
                    (int) Math.ceil(p / 100.0 * latenciesMillis.length) - 1)];
        }
    }

    /** Runs {@code sagas} sagas, at most {@code concurrency} in flight; latency from the start to the committed end. */
    private static Result run(Interpreter engine, ExecutorService starters, StateMachine machine, int sagas, int concurrency,
            int fail, AtomicLong orderIds) throws InterruptedException {
        Semaphore slots = new Semaphore(concurrency);
        double[] latencies = new double[sagas];
        AtomicInteger errors = new AtomicInteger();
        long started = System.nanoTime();
        for (int i = 0; i < sagas; i++) {
            slots.acquire();
            long id = orderIds.incrementAndGet();
            ThreadLocalRandom random = ThreadLocalRandom.current();
            var input = JSON.createObjectNode().put("orderId", id).put("customerId", random.nextInt(1, 1001))
                    .put("sku", random.nextInt(1, 1001)).put("qty", random.nextInt(1, 4)).put("amount", random.nextInt(1, 101))
                    .put("decline", random.nextInt(1, 101) <= fail);
            int slot = i;
            long t0 = System.nanoTime();
            // Started on a thread of their own: a start commits (the execution's first row), and one thread
            // starting every saga would be the limit.
            starters.execute(() -> {
                String arn = MACHINE_ARN.replace(":stateMachine:", ":execution:") + ":" + id;
                var end = new java.util.concurrent.CompletableFuture<Execution.Status>();
                ENDS.put(arn, end);
                end.whenComplete((status, error) -> {
                    latencies[slot] = (System.nanoTime() - t0) / 1e6;
                    if (error != null || status != Execution.Status.SUCCEEDED) {
                        errors.incrementAndGet();
                    }
                    slots.release();
                });
                try {
                    engine.start(arn, "o-" + id, MACHINE_ARN, machine, input);
                } catch (RuntimeException e) {
                    ENDS.remove(arn);
                    latencies[slot] = (System.nanoTime() - t0) / 1e6;
                    errors.incrementAndGet();
                    slots.release();
                }
            });
        }
        slots.acquire(concurrency);
        slots.release(concurrency);
        double seconds = (System.nanoTime() - started) / 1e9;
        Arrays.sort(latencies);
        return new Result(sagas / seconds, latencies, errors.get());
    }

    private static AgroalDataSource pool(Map<String, String> options, int concurrency) throws SQLException {
        // A connection for each saga in flight (its step), as many for the engine's commits, as many for the starts.
        int size = 3 * concurrency + 2;
        return AgroalDataSource.from(new AgroalDataSourceConfigurationSupplier().connectionPoolConfiguration(pool -> pool
                .maxSize(size).minSize(size).initialSize(size).acquisitionTimeout(Duration.ofSeconds(30))
                .connectionFactoryConfiguration(factory -> factory.jdbcUrl(options.get("jdbc"))
                        .principal(new NamePrincipal(options.get("user")))
                        .credential(new SimplePassword(options.get("password")))
                        .autoCommit(true))));
    }

    private static void emptyEngineTables(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("truncate engine.history, engine.executions");
        }
    }

    private static Map<String, Long> verify(DataSource dataSource, String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            ResultSetMetaData meta = r.getMetaData();
            Map<String, Long> row = new LinkedHashMap<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                row.put(meta.getColumnLabel(i), r.getLong(i));
            }
            return row;
        }
    }

    private static long count(DataSource dataSource, String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
