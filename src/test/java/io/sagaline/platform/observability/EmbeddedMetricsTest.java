package io.sagaline.platform.observability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;

/**
 * What a Lambda writes at the end of an invocation: CloudWatch embedded metric format lines of
 * what changed since the last one, each a valid EMF document (namespace, one dimension set of the
 * meter's tags, the metric's name and unit) that CloudWatch turns into metrics.
 */
class EmbeddedMetricsTest {

    /** The registry Quarkus gives the functions (Prometheus's: cumulative, with histogram buckets). */
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final EmbeddedMetrics emf = new EmbeddedMetrics(registry, new PrintStream(out, true, StandardCharsets.UTF_8));
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void aCounter_writesHowMuchItGrewSinceTheLastPublication_andNothingWhenItDidNot() throws Exception {
        Counter ended = Counter.builder("sagaline.sagas.ended").tags("machine", "place-order", "outcome", "REJECTED")
                .register(registry);
        ended.increment(2);
        JsonNode first = only(publish());
        assertThat(first.at("/_aws/CloudWatchMetrics/0/Namespace").asText()).isEqualTo("Sagaline");
        assertThat(first.at("/_aws/CloudWatchMetrics/0/Dimensions/0").toString()).isEqualTo("[\"machine\",\"outcome\"]");
        assertThat(first.at("/_aws/CloudWatchMetrics/0/Metrics/0/Name").asText()).isEqualTo("sagaline.sagas.ended");
        assertThat(first.at("/_aws/CloudWatchMetrics/0/Metrics/0/Unit").asText()).isEqualTo("Count");
        assertThat(first.path("machine").asText()).isEqualTo("place-order");
        assertThat(first.path("sagaline.sagas.ended").asDouble()).isEqualTo(2.0);
        assertThat(first.at("/_aws/Timestamp").isIntegralNumber()).isTrue();

        assertThat(publish()).isEmpty();
        ended.increment();
        assertThat(only(publish()).path("sagaline.sagas.ended").asDouble()).isEqualTo(1.0);
    }

    @Test
    void aTimer_writesTheLatenciesRecordedSince_asValuesAndCounts() throws Exception {
        Timer step = Timer.builder("sagaline.saga.step.duration").tags("step", "reserve-stock").publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
        step.record(Duration.ofMillis(5));
        step.record(Duration.ofMillis(5));
        step.record(Duration.ofMillis(800));
        JsonNode line = only(publish());
        assertThat(line.at("/_aws/CloudWatchMetrics/0/Metrics/0/Unit").asText()).isEqualTo("Milliseconds");
        JsonNode values = line.at("/sagaline.saga.step.duration/Values");
        JsonNode counts = line.at("/sagaline.saga.step.duration/Counts");
        assertThat(values.size()).isEqualTo(2).isEqualTo(counts.size());
        assertThat(counts.get(0).asDouble() + counts.get(1).asDouble()).isEqualTo(3.0);
        assertThat(values.get(0).asDouble()).isBetween(5.0, 6.0); // each value is its bucket's upper bound
        assertThat(values.get(1).asDouble()).isBetween(800.0, 1000.0);
        assertThat(counts.get(0).asDouble()).isEqualTo(2.0);
        // and the interval's true count and sum, and a max, as CloudWatch's statistic set has them
        assertThat(line.at("/sagaline.saga.step.duration/Count").asDouble()).isEqualTo(3.0);
        assertThat(line.at("/sagaline.saga.step.duration/Sum").asDouble()).isEqualTo(810.0);
        assertThat(line.at("/sagaline.saga.step.duration/Max").asDouble()).isEqualTo(800.0);
        assertThat(line.at("/sagaline.saga.step.duration/Min").asDouble()).isBetween(5.0, 6.0);

        step.record(Duration.ofMillis(5));
        JsonNode next = only(publish());
        assertThat(next.at("/sagaline.saga.step.duration/Counts").toString()).isEqualTo("[1.0]");
        assertThat(next.at("/sagaline.saga.step.duration/Sum").asDouble()).isEqualTo(5.0);
        assertThat(publish()).isEmpty();
    }

    @Test
    void aGaugeWritesItsValue_andOtherLibrariesMetersAreLeftOut() throws Exception {
        AtomicLong backlog = new AtomicLong(7);
        Gauge.builder("sagaline.outbox.backlog", backlog, AtomicLong::get).tags("service", "orders").register(registry);
        Counter.builder("jvm.gc.pause.count").register(registry).increment();
        List<JsonNode> lines = publish();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0).path("sagaline.outbox.backlog").asDouble()).isEqualTo(7.0);
        assertThat(lines.get(0).path("service").asText()).isEqualTo("orders");
    }

    private List<JsonNode> publish() throws Exception {
        out.reset();
        emf.publish();
        List<JsonNode> lines = new java.util.ArrayList<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                lines.add(json.readTree(line));
            }
        }
        return lines;
    }

    private static JsonNode only(List<JsonNode> lines) {
        assertThat(lines).hasSize(1);
        return lines.get(0);
    }
}
