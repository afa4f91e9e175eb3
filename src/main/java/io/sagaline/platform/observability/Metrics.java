package io.sagaline.platform.observability;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

/**
 * What Sagaline measures, by name (README, "Seeing what the system does"). Micrometer keeps
 * them: Prometheus reads them at {@code /q/metrics} locally; in Lambda each invocation ends by
 * writing what changed as CloudWatch embedded metric format ({@link EmbeddedMetrics}), which the
 * Terraform dashboard and alarms read. Tags stay few and bounded: names of machines, steps,
 * states, routes, queues, caches and reasons, never an id.
 */
@Singleton
public class Metrics {

    public static final String SAGAS_STARTED = "sagaline.sagas.started";
    public static final String SAGAS_ENDED = "sagaline.sagas.ended";
    public static final String COMPENSATIONS = "sagaline.compensations";
    public static final String STEP_DURATION = "sagaline.saga.step.duration";
    public static final String RETRIES = "sagaline.saga.retries";
    public static final String EXECUTIONS_ENDED = "sagaline.executions.ended";
    public static final String HTTP_RESPONSES = "sagaline.http.responses";
    public static final String RATE_LIMITED = "sagaline.http.rate.limited";
    public static final String CACHE_REQUESTS = "sagaline.cache.requests";
    public static final String OUTBOX_BACKLOG = "sagaline.outbox.backlog";
    public static final String OUTBOX_OLDEST_AGE = "sagaline.outbox.oldest.age.seconds";
    public static final String MESSAGES_CONSUMED = "sagaline.messages.consumed";
    public static final String QUEUE_DEPTH = "sagaline.queue.depth";
    public static final String WEBHOOK_ATTEMPTS = "sagaline.webhooks.attempts";

    private final MeterRegistry registry;
    private final EmbeddedMetrics embedded;
    private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();
    private volatile boolean recording;

    Metrics(MeterRegistry registry,
            @org.eclipse.microprofile.config.inject.ConfigProperty(name = "sagaline.telemetry.metrics", defaultValue = "true") boolean recording) {
        this.registry = registry;
        this.embedded = new EmbeddedMetrics(registry, System.out);
        this.recording = recording;
    }

    /**
     * Sagaline's own measurements on or off while running ({@code sagaline.telemetry.metrics} at
     * start); what the benchmark of their cost switches. The gauges read when scraped stay.
     */
    public void recording(boolean on) {
        this.recording = on;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** A saga's execution was started (not one started before: StartExecution of the same name is the same). */
    public void sagaStarted(String machine) {
        if (!recording) {
            return;
        }
        counter(SAGAS_STARTED, Tags.of("machine", machine)).increment();
    }

    /** A saga decided its order: {@code outcome} APPROVED, REJECTED, CANCELLED, WITHDRAWN; why, if it was refused. */
    public void sagaEnded(String machine, String outcome, String reason) {
        if (!recording) {
            return;
        }
        counter(SAGAS_ENDED, Tags.of("machine", machine, "outcome", outcome, "reason", reason == null ? "none" : reason))
                .increment();
    }

    /** A compensation ran: {@code step} undid {@code compensates}. */
    public void compensated(String machine, String step, String compensates) {
        if (!recording) {
            return;
        }
        counter(COMPENSATIONS, Tags.of("machine", machine, "step", step, "compensates", compensates)).increment();
    }

    /** A saga step's invocation ended: {@code outcome} is ok, a business error's name, or failed. */
    public void stepEnded(String machine, String step, String outcome, Duration took) {
        if (!recording) {
            return;
        }
        Timer.builder(STEP_DURATION).tags("machine", machine, "step", step, "outcome", outcome)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30)).register(registry).record(took);
    }

    /** A state's Retry took a failure: the state runs again after its back-off. */
    public void retried(String machine, String state, String error) {
        if (!recording) {
            return;
        }
        counter(RETRIES, Tags.of("machine", machine, "state", state, "error", error)).increment();
    }

    /** The engine ended an execution (SUCCEEDED, FAILED, TIMED_OUT, ABORTED), as AWS/States counts them. */
    public void executionEnded(String machine, String status) {
        if (!recording) {
            return;
        }
        counter(EXECUTIONS_ENDED, Tags.of("machine", machine, "status", status)).increment();
    }

    /** The HTTP API answered {@code route} (its route key, never its path) with {@code status}. */
    public void responded(String route, int status) {
        if (!recording) {
            return;
        }
        counter(HTTP_RESPONSES, Tags.of("route", route, "status", Integer.toString(status))).increment();
    }

    /** A request was refused (429) by the {@code limit} it exceeded: key or tenant. */
    public void rateLimited(String limit) {
        if (!recording) {
            return;
        }
        counter(RATE_LIMITED, Tags.of("limit", limit)).increment();
    }

    /**
     * A cache's reads, as the cache counts them: those {@code tier} answered ({@code result} hit),
     * those that went to the database (miss), or past a cache that could not be asked (bypassed).
     */
    public <T> void cache(String cache, String tier, String result, T counted, java.util.function.ToLongFunction<T> count) {
        FunctionCounter.builder(CACHE_REQUESTS, counted, c -> count.applyAsLong(c))
                .tags("cache", cache, "tier", tier, "result", result).register(registry);
    }

    /** The depth of a queue (a dead-letter queue's too), as SQS's ApproximateNumberOfMessagesVisible. */
    public <T> void queueDepth(String queue, T source, java.util.function.ToDoubleFunction<T> depth) {
        Gauge.builder(QUEUE_DEPTH, source, depth).tags("queue", queue).register(registry);
    }

    /**
     * A webhook delivery's attempt ended: {@code outcome} DELIVERED, FAILED, REFUSED or CIRCUIT_OPEN;
     * {@code end} delivered, retried or dead-lettered (what follows from it). Never the tenant or the URL.
     */
    public void webhookAttempt(String outcome, String end, Duration took) {
        if (!recording) {
            return;
        }
        Timer.builder(WEBHOOK_ATTEMPTS).tags("outcome", outcome, "end", end).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10)).register(registry)
                .record(took);
    }

    /** A consumer took a message: applied, duplicate or failed. */
    public void consumed(String consumer, String outcome) {
        if (!recording) {
            return;
        }
        counter(MESSAGES_CONSUMED, Tags.of("consumer", consumer, "outcome", outcome)).increment();
    }

    /** What the sweeper of {@code service}'s outbox found unsent, and how long the oldest has waited. */
    public void outbox(String service, long unsent, Duration oldest) {
        if (!recording) {
            return;
        }
        gauge(OUTBOX_BACKLOG, Tags.of("service", service)).set(unsent);
        gauge(OUTBOX_OLDEST_AGE, Tags.of("service", service)).set(oldest.toSeconds());
    }

    /** In Lambda: writes what changed since the last call as embedded metric format lines. */
    public void publishEmbedded() {
        embedded.publish();
    }

    private Counter counter(String name, Tags tags) {
        return Counter.builder(name).tags(tags).register(registry);
    }

    private AtomicLong gauge(String name, Tags tags) {
        return gauges.computeIfAbsent(name + tags, k -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder(name, value, AtomicLong::get).tags(tags).register(registry);
            return value;
        });
    }
}
