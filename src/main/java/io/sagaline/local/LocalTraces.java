package io.sagaline.local;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.quarkus.arc.profile.IfBuildProfile;

/**
 * The local runtime's own trace store: every span that ends, kept in memory, the last
 * {@code sagaline.local.traces.kept} traces (the oldest go first), for the console (through
 * X-Ray's BatchGetTraces, {@link LocalXRay}) and the tests. When {@code sagaline.local.otlp.endpoint}
 * names a collector, the spans are also sent there by OTLP over HTTP, in batches.
 */
@Singleton
@IfBuildProfile(anyOf = { "dev", "test" })
public class LocalTraces implements SpanProcessor {

    private final int kept;
    private final Map<String, List<SpanData>> traces;
    /** The OTLP export beside the store, when {@code sagaline.local.otlp.endpoint} names a collector. */
    private final SpanProcessor export;

    LocalTraces(@ConfigProperty(name = "sagaline.local.traces.kept", defaultValue = "2000") int kept,
            @ConfigProperty(name = "sagaline.local.otlp.endpoint") java.util.Optional<String> otlpEndpoint) {
        this.kept = kept;
        this.export = otlpEndpoint.filter(e -> !e.isBlank())
                .map(e -> (SpanProcessor) BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
                        .setEndpoint(e.endsWith("/v1/traces") ? e : e.replaceAll("/$", "") + "/v1/traces").build()).build())
                .orElse(null);
        this.traces = new LinkedHashMap<>(256, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, List<SpanData>> eldest) {
                return size() > LocalTraces.this.kept;
            }
        };
    }

    /** The spans of trace {@code traceId} that have ended, in the order they ended (empty if none is kept). */
    public synchronized List<SpanData> trace(String traceId) {
        List<SpanData> spans = traces.get(traceId);
        return spans == null ? List.of() : List.copyOf(spans);
    }

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {
    }

    @Override
    public boolean isStartRequired() {
        return false;
    }

    @Override
    public void onEnd(ReadableSpan span) {
        synchronized (this) {
            traces.computeIfAbsent(span.getSpanContext().getTraceId(), id -> new ArrayList<>()).add(span.toSpanData());
        }
        if (export != null) {
            export.onEnd(span);
        }
    }

    @Override
    public boolean isEndRequired() {
        return true;
    }

    @Override
    public CompletableResultCode forceFlush() {
        return export == null ? CompletableResultCode.ofSuccess() : export.forceFlush();
    }

    @Override
    public CompletableResultCode shutdown() {
        return export == null ? CompletableResultCode.ofSuccess() : export.shutdown();
    }
}
