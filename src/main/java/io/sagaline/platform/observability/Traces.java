package io.sagaline.platform.observability;

import java.util.HashMap;
import java.util.Map;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.contrib.awsxray.propagator.AwsXrayPropagator;

/**
 * A trace's context as it travels between processes, in the two forms AWS and the W3C give it:
 * X-Ray's trace header ({@code Root=1-...;Parent=...;Sampled=1}: Lambda's {@code _X_AMZN_TRACE_ID},
 * StartExecution's {@code traceHeader}, SQS's {@code AWSTraceHeader}) and W3C's {@code traceparent}
 * (our messages' attribute). Both name the same trace: an X-Ray trace id is an OpenTelemetry one
 * with a dash after its first eight digits.
 */
public final class Traces {

    /** Where Lambda's Java runtimes put each invocation's trace header (the environment holds only the first). */
    static final String LAMBDA_TRACE_PROPERTY = "com.amazonaws.xray.traceHeader";
    static final String LAMBDA_TRACE_ENV = "_X_AMZN_TRACE_ID";
    public static final String TRACEPARENT = "traceparent";
    private static final String XRAY = "X-Amzn-Trace-Id";

    private Traces() {
    }

    /** X-Ray's trace header of {@code context}'s span, or null when it has none. */
    public static String xrayHeader(Context context) {
        return inject(AwsXrayPropagator.getInstance(), context).get(XRAY);
    }

    /** The context an X-Ray trace header names (the root context if it is null or unreadable). */
    public static Context fromXrayHeader(String header) {
        return extract(AwsXrayPropagator.getInstance(), XRAY, header);
    }

    /** W3C's {@code traceparent} of {@code context}'s span, or null when it has none. */
    public static String traceparent(Context context) {
        return inject(W3CTraceContextPropagator.getInstance(), context).get(TRACEPARENT);
    }

    /** The context a {@code traceparent} names (the root context if it is null or unreadable). */
    public static Context fromTraceparent(String traceparent) {
        return extract(W3CTraceContextPropagator.getInstance(), TRACEPARENT, traceparent);
    }

    /** The trace id of {@code context} (32 hex digits), or null when it has no span. */
    public static String traceId(Context context) {
        var span = Span.fromContext(context).getSpanContext();
        return span.isValid() ? span.getTraceId() : null;
    }

    /**
     * The parent of what a Lambda invocation does: the local runtime makes the invocation's span
     * current on the sandbox thread; in AWS, Lambda hands each invocation its trace header.
     */
    public static Context invocationParent() {
        Context current = Context.current();
        if (Span.fromContext(current).getSpanContext().isValid()) {
            return current;
        }
        String header = System.getProperty(LAMBDA_TRACE_PROPERTY);
        if (header == null || header.isBlank()) {
            header = System.getenv(LAMBDA_TRACE_ENV);
        }
        return header == null || header.isBlank() ? current : fromXrayHeader(header);
    }

    private static Map<String, String> inject(TextMapPropagator propagator, Context context) {
        Map<String, String> carrier = new HashMap<>();
        if (context != null && Span.fromContext(context).getSpanContext().isValid()) {
            propagator.inject(context, carrier, Map::put);
        }
        return carrier;
    }

    private static Context extract(TextMapPropagator propagator, String key, String value) {
        if (value == null || value.isBlank()) {
            return Context.root();
        }
        return propagator.extract(Context.root(), Map.of(key, value), GETTER);
    }

    private static final TextMapGetter<Map<String, String>> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            if (carrier == null) {
                return null;
            }
            for (Map.Entry<String, String> e : carrier.entrySet()) {
                if (e.getKey().equalsIgnoreCase(key)) {
                    return e.getValue();
                }
            }
            return null;
        }
    };
}
