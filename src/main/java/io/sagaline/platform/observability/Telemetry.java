package io.sagaline.platform.observability;

import java.util.concurrent.TimeUnit;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.sdk.OpenTelemetrySdk;

/**
 * The platform's tracer, and what a Lambda must do before it answers: a Lambda's sandbox is
 * frozen between invocations, so spans still in the batch would wait there, maybe for ever.
 * {@code sagaline.telemetry.flush-each-invocation} (on in Lambda) sends them, and the metrics,
 * at the end of every invocation.
 */
@Singleton
public class Telemetry {

    private static final Logger LOG = Logger.getLogger(Telemetry.class);
    public static final String SCOPE = "io.sagaline";

    private static final Tracer NONE = TracerProvider.noop().get(SCOPE);

    private final OpenTelemetry openTelemetry;
    private final Tracer traced;
    private final boolean flushEachInvocation;
    private final Metrics metrics;
    private volatile boolean tracing;
    /** The tracer every span of Sagaline's starts from: OpenTelemetry's, or none while tracing is off. */
    private final Tracer tracer = new Tracer() {
        @Override
        public SpanBuilder spanBuilder(String spanName) {
            return (tracing ? traced : NONE).spanBuilder(spanName);
        }
    };

    Telemetry(OpenTelemetry openTelemetry, Metrics metrics,
            @ConfigProperty(name = "sagaline.telemetry.flush-each-invocation", defaultValue = "false") boolean flushEachInvocation,
            @ConfigProperty(name = "sagaline.telemetry.traces", defaultValue = "true") boolean tracing) {
        this.openTelemetry = openTelemetry;
        this.traced = openTelemetry.getTracer(SCOPE);
        this.metrics = metrics;
        this.flushEachInvocation = flushEachInvocation;
        this.tracing = tracing;
    }

    public Tracer tracer() {
        return tracer;
    }

    /**
     * Traces on or off while running ({@code sagaline.telemetry.traces} at start): off, every span
     * is a no-op and no context travels, as if OpenTelemetry were not there. What the benchmark of
     * their cost switches (bench/README.md).
     */
    public void tracing(boolean on) {
        this.tracing = on;
    }

    /** Marks {@code span} failed with {@code error}: status ERROR, error.type, and the exception as an event. */
    public static void failed(Span span, Throwable error) {
        span.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
        span.setAttribute("error.type", error.getClass().getName());
        span.recordException(error);
    }

    /** Ends an invocation: in Lambda, sends what it traced and measured before the sandbox is frozen. */
    public void endOfInvocation() {
        if (!flushEachInvocation) {
            return;
        }
        if (openTelemetry instanceof OpenTelemetrySdk sdk) {
            var flushed = sdk.getSdkTracerProvider().forceFlush().join(2, TimeUnit.SECONDS);
            if (!flushed.isSuccess()) {
                LOG.warn("the invocation's spans could not all be sent within 2 s");
            }
        }
        metrics.publishEmbedded();
    }

}
