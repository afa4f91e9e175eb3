package io.sagaline.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/** Calls made by a number of callers at once, and what they measured: the benchmarks' shared load. */
final class Load {

    private Load() {
    }

    /** One slice of a row: each call's latency (ns), and how long the slice took. */
    record Slice(List<Long> latencies, double seconds) {
    }

    /** A row's figures over its slices: calls per second, p50 and p99 in ms. */
    record Stats(double perSecond, double p50, double p99) {
    }

    /** {@code calls} calls, {@code callers} at a time, call {@code i} being {@code call.apply(i)}. */
    static Slice measure(int callers, int calls, IntFunction<Runnable> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        AtomicInteger next = new AtomicInteger();
        List<Future<List<Long>>> work = new ArrayList<>();
        long started = System.nanoTime();
        for (int c = 0; c < callers; c++) {
            work.add(pool.submit(() -> {
                List<Long> latencies = new ArrayList<>();
                for (int i = next.getAndIncrement(); i < calls; i = next.getAndIncrement()) {
                    Runnable one = call.apply(i);
                    long t = System.nanoTime();
                    one.run();
                    latencies.add(System.nanoTime() - t);
                }
                return latencies;
            }));
        }
        List<Long> latencies = new ArrayList<>();
        for (Future<List<Long>> f : work) {
            latencies.addAll(f.get());
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        pool.shutdown();
        return new Slice(latencies, seconds);
    }

    static Stats stats(List<Slice> slices) {
        List<Long> all = new ArrayList<>();
        double seconds = 0;
        for (Slice s : slices) {
            all.addAll(s.latencies());
            seconds += s.seconds();
        }
        Collections.sort(all);
        return new Stats(all.size() / seconds, percentile(all, 50) / 1e6, percentile(all, 99) / 1e6);
    }

    static long percentile(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }
}
