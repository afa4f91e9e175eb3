package io.sagaline.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.platform.observability.Metrics;
import io.sagaline.platform.observability.Telemetry;
import io.sagaline.support.Api;

/**
 * Not a test: a benchmark, run only with {@code -Dbench=true} (bench/README.md). What traces and
 * metrics cost PlaceOrder, side by side in one run: {@code POST /orders} (its latency and rate) and
 * the sagas it starts (from the first POST of a slice until every order of it is decided: the rate
 * of whole sagas, every state, task, message and consumer traced), with traces and metrics on, with
 * each off, and with neither. At 1 and 8 callers, the modes taking turns in rotating rounds.
 */
@QuarkusTest
@EnabledIfSystemProperty(named = "bench", matches = "true")
class ObservabilityBenchmark {

    private static final int ORDERS = Integer.getInteger("bench.orders", 400);
    private static final int ROUNDS = 4;
    private static final int WARM_UP = 150;

    enum Mode {
        BOTH("traces and metrics", true, true),
        NO_TRACES("metrics only", false, true),
        NO_METRICS("traces only", true, false),
        NEITHER("neither", false, false);

        final String label;
        final boolean traces;
        final boolean metrics;

        Mode(String label, boolean traces, boolean metrics) {
            this.label = label;
            this.traces = traces;
            this.metrics = metrics;
        }
    }

    @Inject
    Telemetry telemetry;
    @Inject
    Metrics metrics;

    private record Row(Mode mode, int callers, Load.Stats posts, double sagasPerSecond) {
    }

    @Test
    void placeOrder_withAndWithoutTracesAndMetrics() throws Exception {
        String buyer = Api.newCustomer(1_000_000_000L);
        String sku = Api.newProduct(1, 1_000_000);
        List<Row> rows = new ArrayList<>();
        Mode[] modes = Mode.values();
        try {
            for (int callers : new int[] { 1, 8 }) {
                for (Mode mode : modes) {
                    run(mode, callers, WARM_UP / modes.length, buyer, sku); // warm-up, every path
                }
                Map<Mode, List<Load.Slice>> posts = new EnumMap<>(Mode.class);
                Map<Mode, double[]> sagas = new EnumMap<>(Mode.class); // orders, seconds
                for (int round = 0; round < ROUNDS; round++) {
                    for (int m = 0; m < modes.length; m++) {
                        Mode mode = modes[(m + round) % modes.length];
                        long started = System.nanoTime();
                        Load.Slice slice = run(mode, callers, ORDERS / ROUNDS, buyer, sku);
                        double seconds = (System.nanoTime() - started) / 1e9;
                        posts.computeIfAbsent(mode, k -> new ArrayList<>()).add(slice);
                        double[] total = sagas.computeIfAbsent(mode, k -> new double[2]);
                        total[0] += slice.latencies().size();
                        total[1] += seconds;
                    }
                }
                for (Mode mode : modes) {
                    double[] total = sagas.get(mode);
                    rows.add(new Row(mode, callers, Load.stats(posts.get(mode)), total[0] / total[1]));
                }
            }
        } finally {
            switchTo(Mode.BOTH); // the JVM's later tests trace and measure
        }

        StringBuilder report = new StringBuilder("\nTraces and metrics on PlaceOrder, through the local gateway, " + ORDERS
                + " orders per row in " + ROUNDS + " rounds (" + Instant.now() + ")\n");
        report.append(String.format("%-22s %-8s %-10s %-10s %-9s %-9s %-10s %-10s%n", "with", "callers", "POST/s", "vs both",
                "p50 ms", "p99 ms", "sagas/s", "vs both"));
        for (Row r : rows) {
            Row both = rows.stream().filter(o -> o.callers() == r.callers() && o.mode() == Mode.BOTH).findFirst().orElseThrow();
            report.append(String.format("%-22s %-8d %-10.1f %-10.2f %-9.2f %-9.2f %-10.1f %-10.2f%n", r.mode().label,
                    r.callers(),
                    r.posts().perSecond(), r.posts().perSecond() / both.posts().perSecond(), r.posts().p50(), r.posts().p99(),
                    r.sagasPerSecond(), r.sagasPerSecond() / both.sagasPerSecond()));
        }
        System.out.println(report);
    }

    /** A slice in {@code mode}: the POSTs measured, then every saga of the slice awaited, still in that mode. */
    private Load.Slice run(Mode mode, int callers, int orders, String buyer, String sku) throws Exception {
        switchTo(mode);
        List<String> placed = Collections.synchronizedList(new ArrayList<>());
        Load.Slice slice = Load.measure(callers, orders, i -> () -> placed.add(Api.placeOrder(buyer, "tok_ok", sku, 1)));
        for (String order : placed) {
            assertThat(Api.awaitDecided(order).getString("status")).isEqualTo("APPROVED");
        }
        return slice;
    }

    private void switchTo(Mode mode) {
        telemetry.tracing(mode.traces);
        metrics.recording(mode.metrics);
    }

    static {
        org.awaitility.Awaitility.setDefaultTimeout(Duration.ofMinutes(2));
    }
}
