package io.sagaline.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntFunction;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.agroal.api.AgroalDataSource;
import io.quarkus.arc.ClientProxy;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.customers.CustomerResealing;
import io.sagaline.customers.Resealings;
import io.sagaline.platform.audit.AuditLog;
import io.sagaline.platform.http.RateLimiter;
import io.sagaline.support.Api;
import io.sagaline.support.Db;
import io.smallrye.mutiny.Uni;

/**
 * Not a test: a benchmark, run only with {@code -Dbench=true} (bench/README.md). What issue 14's
 * protections cost the hot paths, side by side in one run: {@code GET /customers/{id}} with all of
 * them (the key's scope, the rate limit in Redis, the audit entry in the read's transaction, the
 * sealed fields opened), and without each of encryption (customers written in clear, as before V15),
 * audit, the rate limit, and without all three; {@code POST /orders} (what a customer buys:
 * audited, not sealed) with all, without its audit, without its rate limit and without both. At 1
 * and 8 callers, the modes taking turns in rotating rounds. The scope check cannot be taken away
 * (the authorizer's answer, cached, then a set lookup): it is in every row.
 */
@QuarkusTest
@EnabledIfSystemProperty(named = "bench", matches = "true")
class SecurityBenchmark {

    private static final int READS = Integer.getInteger("bench.reads", 3000);
    private static final int ORDERS = Integer.getInteger("bench.orders", 300);
    private static final int ROUNDS = 3;
    private static final int CUSTOMERS = 200;

    enum Mode {
        ALL("scope, rate limit, audit, encryption"),
        NO_ENCRYPTION("without encryption"),
        NO_AUDIT("without audit"),
        NO_RATE_LIMIT("without rate limit"),
        SCOPE_ONLY("scope only");

        final String label;

        Mode(String label) {
            this.label = label;
        }
    }

    @Inject
    RateLimiter limiter;
    @Inject
    AuditLog audit;
    @Inject
    AgroalDataSource dataSource;

    private RateLimiter realLimiter;
    private AuditLog realAudit;
    private RateLimiter noLimiter;
    private AuditLog noAudit;

    private record Row(String path, Mode mode, int callers, double perSecond, double p50, double p99) {
    }

    @Test
    void getCustomer_andPostOrders_withAndWithoutEachProtection() throws Exception {
        QuarkusMock.installMockForType(Resealings.idle(), CustomerResealing.class);
        realLimiter = ClientProxy.unwrap(limiter);
        realAudit = ClientProxy.unwrap(audit);
        noLimiter = new RateLimiter(null, null) {
            @Override
            public boolean enabled() {
                return false;
            }
        };
        noAudit = new AuditLog() {
            @Override
            public Uni<Void> record(Actor actor, String operation, String resource, Outcome outcome) {
                return Uni.createFrom().voidItem();
            }
        };
        List<String> sealed = new ArrayList<>();
        List<String> clear = new ArrayList<>();
        Db db = new Db(dataSource);
        for (int i = 0; i < CUSTOMERS; i++) {
            sealed.add(Api.newCustomer(1_000_000));
            String id = UUID.randomUUID().toString();
            db.update("insert into customers.customers (id, tenant, name, email, credit_limit_cents, available_credit_cents)"
                    + " values (?::uuid, 'demo', 'Ada', 'ada@example.com', 1000000, 1000000)", id);
            clear.add(id);
        }
        String buyer = Api.newCustomer(1_000_000_000L);
        String sku = Api.newProduct(1, 1_000_000);

        List<Row> rows = new ArrayList<>();
        Mode[] reads = Mode.values();
        Mode[] orders = { Mode.ALL, Mode.NO_AUDIT, Mode.NO_RATE_LIMIT, Mode.SCOPE_ONLY };
        for (int callers : new int[] { 1, 8 }) {
            install(Mode.ALL);
            measure(callers, 200, i -> () -> Api.get("/customers/" + sealed.get(i % CUSTOMERS), 200)); // warm-up
            Map<Mode, List<Load.Slice>> readSlices = new EnumMap<>(Mode.class);
            Map<Mode, List<Load.Slice>> orderSlices = new EnumMap<>(Mode.class);
            for (int round = 0; round < ROUNDS; round++) {
                for (int m = 0; m < reads.length; m++) {
                    Mode mode = reads[(m + round) % reads.length];
                    List<String> ids = mode == Mode.NO_ENCRYPTION || mode == Mode.SCOPE_ONLY ? clear : sealed;
                    install(mode);
                    readSlices.computeIfAbsent(mode, k -> new ArrayList<>()).add(measure(callers, READS / ROUNDS,
                            i -> () -> Api.get("/customers/" + ids.get(i % CUSTOMERS), 200)));
                }
                for (int m = 0; m < orders.length; m++) {
                    Mode mode = orders[(m + round) % orders.length];
                    install(mode);
                    List<String> placed = Collections.synchronizedList(new ArrayList<>());
                    orderSlices.computeIfAbsent(mode, k -> new ArrayList<>()).add(measure(callers, ORDERS / ROUNDS,
                            i -> () -> placed.add(Api.placeOrder(buyer, "tok_ok", sku, 1))));
                    install(Mode.ALL);
                    // their sagas end before the next slice, unmeasured, so that no slice pays for another's
                    for (String order : placed) {
                        assertThat(Api.awaitDecided(order).getString("status")).isEqualTo("APPROVED");
                    }
                }
            }
            readSlices.forEach((mode, slices) -> rows.add(row("GET /customers/{id}", mode, callers, slices)));
            orderSlices.forEach((mode, slices) -> rows.add(row("POST /orders", mode, callers, slices)));
        }
        install(Mode.ALL);

        StringBuilder report = new StringBuilder("\nIssue 14's protections on the hot paths, through the local gateway, "
                + READS + " reads and " + ORDERS + " orders per row in " + ROUNDS + " rounds (" + Instant.now() + ")\n");
        report.append(String.format("%-20s %-40s %-8s %-10s %-12s %-9s %-9s%n", "route", "with", "callers", "req/s",
                "vs all on", "p50 ms", "p99 ms"));
        for (Row r : rows) {
            Row all = rows.stream().filter(o -> o.path().equals(r.path()) && o.callers() == r.callers() && o.mode() == Mode.ALL)
                    .findFirst().orElseThrow();
            report.append(String.format("%-20s %-40s %-8d %-10.1f %-12.2f %-9.2f %-9.2f%n", r.path(), r.mode().label,
                    r.callers(), r.perSecond(), r.perSecond() / all.perSecond(), r.p50(), r.p99()));
        }
        System.out.println(report);
    }

    private void install(Mode mode) {
        boolean limited = mode == Mode.ALL || mode == Mode.NO_ENCRYPTION || mode == Mode.NO_AUDIT;
        boolean audited = mode == Mode.ALL || mode == Mode.NO_ENCRYPTION || mode == Mode.NO_RATE_LIMIT;
        QuarkusMock.installMockForType(limited ? realLimiter : noLimiter, RateLimiter.class);
        QuarkusMock.installMockForType(audited ? realAudit : noAudit, AuditLog.class);
    }

    private static Row row(String path, Mode mode, int callers, List<Load.Slice> slices) {
        Load.Stats stats = Load.stats(slices);
        return new Row(path, mode, callers, stats.perSecond(), stats.p50(), stats.p99());
    }

    private static Load.Slice measure(int callers, int calls, IntFunction<Runnable> call) throws Exception {
        return Load.measure(callers, calls, call);
    }

    static {
        // a saga's decision can take a while when eight callers have just placed a hundred orders
        org.awaitility.Awaitility.setDefaultTimeout(Duration.ofMinutes(2));
    }
}
