package io.sagaline.platform.observability;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;

/**
 * CloudWatch embedded metric format: one JSON line per meter that changed since the last
 * publication, written to standard output, which Lambda sends to CloudWatch Logs, where
 * CloudWatch turns it into metrics (namespace {@value #NAMESPACE}, the meter's tags as its one
 * dimension set). A counter writes how much it grew; a timer the latencies it recorded, as
 * EMF's values and counts (its histogram's buckets), so that CloudWatch has their percentiles;
 * a gauge its value. Only Sagaline's meters ({@code sagaline.*}) and the circuit breakers'
 * ({@code ft.*}) are written.
 */
final class EmbeddedMetrics {

    static final String NAMESPACE = "Sagaline";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MeterRegistry registry;
    private final PrintStream out;
    /** What each meter had at the last publication: a counter's count, a timer's count per bucket. */
    private final Map<Meter.Id, double[]> published = new HashMap<>();

    EmbeddedMetrics(MeterRegistry registry, PrintStream out) {
        this.registry = registry;
        this.out = out;
    }

    synchronized void publish() {
        long now = System.currentTimeMillis();
        for (Meter meter : registry.getMeters()) {
            String name = meter.getId().getName();
            if (!name.startsWith("sagaline.") && !name.startsWith("ft.")) {
                continue;
            }
            ObjectNode line = null;
            if (meter instanceof Counter c) {
                line = grown(meter, c.count(), now);
            } else if (meter instanceof FunctionCounter c) {
                line = grown(meter, c.count(), now);
            } else if (meter instanceof Timer t) {
                line = timer(t, now);
            } else if (meter instanceof Gauge g && Double.isFinite(g.value())) {
                line = document(meter, now, "None").put(name, g.value());
            }
            if (line != null) {
                out.println(line);
            }
        }
        out.flush();
    }

    private ObjectNode grown(Meter counter, double total, long now) {
        double[] last = published.put(counter.getId(), new double[] { total });
        double grown = total - (last == null ? 0 : last[0]);
        return grown <= 0 ? null : document(counter, now, "Count").put(counter.getId().getName(), grown);
    }

    /**
     * A timer's latencies since the last publication, from one snapshot: EMF's values (each bucket's
     * upper bound, no more than the timer's max) and counts, and beside them the interval's true count
     * and sum, and a max and min as near as the timer knows them (its max is that of the last minutes;
     * the min is the lowest bucket's bound, or the mean if that is lower): CloudWatch's SampleCount,
     * Sum, Maximum and Minimum.
     */
    private ObjectNode timer(Timer timer, long now) {
        HistogramSnapshot snapshot = timer.takeSnapshot();
        CountAtBucket[] buckets = snapshot.histogramCounts();
        // what was published last: the cumulative count of each bucket, then of all, then the total time
        double[] cumulative = new double[buckets.length + 2];
        for (int i = 0; i < buckets.length; i++) {
            cumulative[i] = buckets[i].count();
        }
        cumulative[buckets.length] = snapshot.count();
        cumulative[buckets.length + 1] = snapshot.total(TimeUnit.MILLISECONDS);
        double[] last = published.put(timer.getId(), cumulative);
        if (last != null && last.length != cumulative.length) {
            last = null; // the meter was replaced: count from zero
        }
        double count = cumulative[buckets.length] - (last == null ? 0 : last[buckets.length]);
        if (count <= 0) {
            return null;
        }
        double sum = cumulative[buckets.length + 1] - (last == null ? 0 : last[buckets.length + 1]);
        double max = snapshot.max(TimeUnit.MILLISECONDS);
        List<Double> values = new ArrayList<>();
        List<Double> counts = new ArrayList<>();
        double below = 0;
        double lastBelow = 0;
        for (int i = 0; i <= buckets.length; i++) {
            double inBucket = cumulative[i] - below;
            double before = last == null ? 0 : last[i] - lastBelow;
            below = cumulative[i];
            lastBelow = last == null ? 0 : last[i];
            if (inBucket - before > 0) {
                values.add(i < buckets.length ? Math.min(buckets[i].bucket(TimeUnit.MILLISECONDS), max) : max);
                counts.add(inBucket - before);
            }
        }
        ObjectNode line = document(timer, now, "Milliseconds");
        ObjectNode distribution = line.putObject(timer.getId().getName());
        ArrayNode v = distribution.putArray("Values");
        values.forEach(v::add);
        ArrayNode c = distribution.putArray("Counts");
        counts.forEach(c::add);
        distribution.put("Max", max).put("Min", values.isEmpty() ? 0 : Math.min(values.get(0), sum / count))
                .put("Count", count).put("Sum", sum);
        return line;
    }

    private static ObjectNode document(Meter meter, long now, String unit) {
        ObjectNode line = JSON.createObjectNode();
        ObjectNode aws = line.putObject("_aws").put("Timestamp", now);
        ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject().put("Namespace", NAMESPACE);
        ArrayNode dimensions = directive.putArray("Dimensions").addArray();
        for (Tag tag : meter.getId().getTagsAsIterable()) {
            dimensions.add(tag.getKey());
            line.put(tag.getKey(), tag.getValue());
        }
        directive.putArray("Metrics").addObject().put("Name", meter.getId().getName()).put("Unit", unit);
        return line;
    }
}
