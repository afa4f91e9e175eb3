package io.sagaline.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.campaigns.CampaignCache;
import io.sagaline.support.Api;

/**
 * Not a test: a benchmark, run only with {@code -Dbench=true} (bench/README.md). The campaigns API
 * through the local gateway under a skewed read mix (Zipf over the campaigns: 80% one campaign, 10%
 * its events, 10% the live listing) with 1% writes (a rename), at 1, 8 and 32 callers, with both
 * cache tiers, Redis alone and no cache, side by side in one run. For each: reads/s, p50/p99, the
 * cache's database loads per 1,000 reads, and how long after a write's answer its writer first
 * reads the new name (the staleness a caller sees).
 */
@QuarkusTest
@EnabledIfSystemProperty(named = "bench", matches = "true")
class CampaignsBenchmark {

    private static final int CAMPAIGNS = Integer.getInteger("bench.campaigns", 1000);
    private static final int OPERATIONS = Integer.getInteger("bench.operations", 3000);
    private static final double ZIPF_S = Double.parseDouble(System.getProperty("bench.zipf", "1.1"));
    private static final double WRITES = 0.01;
    private static final int ROUNDS = 3;
    private static final Duration STALE_FOR_TOO_LONG = Duration.ofSeconds(90);
    private static final AtomicLong WRITE_SEQUENCE = new AtomicLong();
    private static final AtomicLong SEEDS = new AtomicLong();

    @Inject
    CampaignCache cache;

    private record Row(CampaignCache.Mode mode, int callers, double readsPerSecond, double p50, double p99,
            double loadsPer1000, List<Long> staleMillis) {

        static Row of(CampaignCache.Mode mode, int callers, List<Slice> slices) {
            List<Long> all = new ArrayList<>();
            List<Long> stale = new ArrayList<>();
            double seconds = 0;
            long loads = 0;
            for (Slice s : slices) {
                all.addAll(s.latencies());
                stale.addAll(s.staleMillis());
                seconds += s.seconds();
                loads += s.loads();
            }
            Collections.sort(all);
            return new Row(mode, callers, all.size() / seconds, percentile(all, 50) / 1e6, percentile(all, 99) / 1e6,
                    1000.0 * loads / all.size(), stale);
        }
    }

    @Test
    void campaignsReads_withBothTiers_redisOnly_andNoCache() throws Exception {
        Instant now = Instant.now();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < CAMPAIGNS; i++) {
            // one campaign in twenty is on now; the others are spread over the coming years
            Instant start = i % 20 == 0 ? now.minus(Duration.ofDays(1)) : now.plus(Duration.ofDays(1 + i));
            String id = Api.send("POST", "/campaign-events", Map.of("name", "Campaign " + i, "startDate", start.toString(),
                    "endDate", start.plus(Duration.ofDays(30)).toString()), 201).get("campaignEventId").asText();
            for (int e = 0; e < 3; e++) {
                Instant at = start.plus(Duration.ofDays(e));
                Api.send("POST", "/events", Map.of("name", "Event " + e, "campaignEventId", id, "startDate", at.toString(),
                        "endDate", at.plus(Duration.ofHours(2)).toString()), 201);
            }
            ids.add(id);
        }
        double[] cdf = zipf(CAMPAIGNS, ZIPF_S);
        CampaignCache.Mode[] modes = CampaignCache.Mode.values();
        for (CampaignCache.Mode mode : modes) { // warm-up of every mode before any is measured
            cache.mode(mode);
            run(ids, cdf, 8, 1_000);
        }
        // Each row is measured in ROUNDS slices, the modes taking turns in a rotating order, so that
        // the JIT, the database's caches and the machine's noise fall on every mode alike.
        List<Row> rows = new ArrayList<>();
        for (int callers : new int[] { 1, 8, 32 }) {
            Map<CampaignCache.Mode, List<Slice>> slices = new java.util.EnumMap<>(CampaignCache.Mode.class);
            for (int round = 0; round < ROUNDS; round++) {
                for (int m = 0; m < modes.length; m++) {
                    CampaignCache.Mode mode = modes[(m + round) % modes.length];
                    cache.mode(mode);
                    slices.computeIfAbsent(mode, k -> new ArrayList<>()).add(run(ids, cdf, callers, OPERATIONS / ROUNDS));
                }
            }
            for (CampaignCache.Mode mode : modes) {
                rows.add(Row.of(mode, callers, slices.get(mode)));
            }
        }
        cache.mode(CampaignCache.Mode.BOTH);
        StringBuilder report = new StringBuilder("\nCampaigns reads through the local gateway, " + CAMPAIGNS
                + " campaigns (3 events each), Zipf s=" + ZIPF_S + ", 1% writes, " + OPERATIONS + " operations per row in "
                + ROUNDS + " rounds (" + Instant.now() + ")\n");
        report.append(String.format("%-11s %-8s %-10s %-9s %-9s %-9s %-16s %s%n", "cache", "callers", "reads/s", "vs none",
                "p50 ms", "p99 ms", "loads/1000 reads", "staleness after a write, p50 / p99 / max ms (writes)"));
        for (Row r : rows) {
            Row none = rows.stream().filter(o -> o.callers() == r.callers() && o.mode() == CampaignCache.Mode.NONE)
                    .findFirst().orElseThrow();
            List<Long> s = new ArrayList<>(r.staleMillis());
            Collections.sort(s);
            String stale = s.isEmpty() ? "-"
                    : percentile(s, 50) + " / " + percentile(s, 99) + " / " + s.get(s.size() - 1)
                            + " (" + s.size() + ")";
            report.append(String.format("%-11s %-8d %-10.1f %-9.2f %-9.2f %-9.2f %-16.1f %s%n", r.mode(), r.callers(),
                    r.readsPerSecond(), r.readsPerSecond() / none.readsPerSecond(), r.p50(), r.p99(), r.loadsPer1000(), stale));
        }
        System.out.println(report);
    }

    /** One slice of a row: its reads' latencies (ns), how long it took, its loads and its writes' staleness. */
    private record Slice(List<Long> latencies, double seconds, long loads, List<Long> staleMillis) {
    }

    private Slice run(List<String> ids, double[] cdf, int callers, int operations) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        long loadsBefore = cache.loads();
        List<Future<List<Long>>> work = new ArrayList<>();
        List<Long> stale = Collections.synchronizedList(new ArrayList<>());
        long started = System.nanoTime();
        for (int c = 0; c < callers; c++) {
            int caller = c;
            work.add(pool.submit(() -> {
                SplittableRandom random = new SplittableRandom(42 + caller + 1000L * SEEDS.incrementAndGet());
                List<Long> latencies = new ArrayList<>();
                for (int i = caller; i < operations; i += callers) {
                    String id = ids.get(sample(cdf, random.nextDouble()));
                    double op = random.nextDouble();
                    if (op < WRITES) {
                        // Writers may rename the same hot campaign: each waits for its own write or a later
                        // one (updatedAt is taken under the row's lock, so later writes have later times).
                        Instant mine = Instant.parse(Api.send("PATCH", "/campaign-events/" + id,
                                Map.of("name", "Renamed " + WRITE_SEQUENCE.incrementAndGet()), 200).get("updatedAt").asText());
                        long written = System.nanoTime();
                        while (Instant.parse(Api.get("/campaign-events/" + id, 200).get("updatedAt").asText()).isBefore(mine)) {
                            if (System.nanoTime() - written > STALE_FOR_TOO_LONG.toNanos()) {
                                throw new AssertionError("campaign " + id + " still read as before its write of " + mine
                                        + " after " + STALE_FOR_TOO_LONG + ", past the cache's ttl");
                            }
                            Thread.onSpinWait();
                        }
                        stale.add((System.nanoTime() - written) / 1_000_000);
                        continue;
                    }
                    String path = op < 0.80 ? "/campaign-events/" + id
                            : op < 0.90 ? "/campaign-events/" + id + "/events" : "/campaign-events/live";
                    long t0 = System.nanoTime();
                    Api.get(path, 200);
                    latencies.add(System.nanoTime() - t0);
                }
                return latencies;
            }));
        }
        List<Long> all = new ArrayList<>();
        for (Future<List<Long>> f : work) {
            all.addAll(f.get());
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        pool.shutdown();
        return new Slice(all, seconds, cache.loads() - loadsBefore, stale);
    }

    /** The cumulative distribution of ranks 1..n with weights 1/k^s. */
    private static double[] zipf(int n, double s) {
        double[] cdf = new double[n];
        double sum = 0;
        for (int k = 1; k <= n; k++) {
            sum += 1 / Math.pow(k, s);
            cdf[k - 1] = sum;
        }
        for (int k = 0; k < n; k++) {
            cdf[k] /= sum;
        }
        return cdf;
    }

    private static int sample(double[] cdf, double u) {
        int i = java.util.Arrays.binarySearch(cdf, u);
        return Math.min(cdf.length - 1, i >= 0 ? i : -i - 1);
    }

    private static long percentile(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }
}
