package io.sagaline.local;

import java.util.List;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.arc.profile.IfBuildProfile;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * X-Ray's BatchGetTraces ({@code POST /Traces}) over the local runtime's trace store, so that the
 * console reads traces through the API it would read them through in AWS. Each span is one segment
 * document (X-Ray's: id, trace_id, parent_id, name, start_time and end_time in seconds, error and
 * fault); its attributes are the segment's annotations, their names with {@code _} for each
 * character X-Ray does not take ({@code sagaline.order_id} becomes {@code sagaline_order_id}).
 */
@ApplicationScoped
@IfBuildProfile(anyOf = { "dev", "test" })
public class LocalXRay {

    private final LocalTraces traces;
    private final LocalAwsAuth auth;
    private final ObjectMapper json;

    LocalXRay(LocalTraces traces, LocalAwsAuth auth, ObjectMapper json) {
        this.traces = traces;
        this.auth = auth;
        this.json = json;
    }

    void install(@Observes Router router) {
        router.post("/Traces").order(-100).handler(BodyHandler.create().setBodyLimit(64 * 1024)).handler(this::batchGetTraces);
    }

    private void batchGetTraces(RoutingContext ctx) {
        try {
            auth.check(ctx.request(), ctx.body().buffer());
        } catch (SigV4Verifier.Refusal r) {
            ctx.response().setStatusCode(403).putHeader("x-amzn-errortype", r.code()).putHeader("content-type",
                    "application/json").end(json.createObjectNode().put("message", r.getMessage()).toString());
            return;
        }
        JsonNode request;
        try {
            request = json.readTree(ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes());
        } catch (java.io.IOException e) {
            request = null;
        }
        if (request == null || !request.path("TraceIds").isArray() || request.path("TraceIds").size() > 5) {
            ctx.response().setStatusCode(400).putHeader("x-amzn-errortype", "InvalidRequestException")
                    .putHeader("content-type", "application/json")
                    .end(json.createObjectNode().put("message", "TraceIds: a list of 1 to 5 trace ids").toString());
            return;
        }
        ObjectNode out = json.createObjectNode();
        ArrayNode found = out.putArray("Traces");
        ArrayNode unprocessed = out.putArray("UnprocessedTraceIds");
        for (JsonNode id : request.get("TraceIds")) {
            List<SpanData> spans = traces.trace(otelId(id.asText()));
            if (spans.isEmpty()) {
                unprocessed.add(id.asText());
                continue;
            }
            ObjectNode trace = found.addObject().put("Id", id.asText());
            long start = spans.stream().mapToLong(SpanData::getStartEpochNanos).min().orElse(0);
            long end = spans.stream().mapToLong(SpanData::getEndEpochNanos).max().orElse(0);
            trace.put("Duration", (end - start) / 1e9);
            ArrayNode segments = trace.putArray("Segments");
            for (SpanData span : spans) {
                segments.addObject().put("Id", span.getSpanId()).put("Document", document(id.asText(), span).toString());
            }
        }
        ctx.response().setStatusCode(200).putHeader("content-type", "application/json").end(out.toString());
    }

    private ObjectNode document(String traceId, SpanData span) {
        ObjectNode d = json.createObjectNode().put("id", span.getSpanId()).put("trace_id", traceId).put("name", span.getName())
                .put("start_time", span.getStartEpochNanos() / 1e9).put("end_time", span.getEndEpochNanos() / 1e9);
        if (span.getParentSpanContext().isValid()) {
            d.put("parent_id", span.getParentSpanId());
        }
        boolean error = span.getStatus().getStatusCode() == StatusCode.ERROR;
        d.put("error", error);
        Long status = span.getAttributes().get(AttributeKey.longKey("http.response.status_code"));
        d.put("fault", status != null && status >= 500);
        ObjectNode annotations = d.putObject("annotations");
        span.getAttributes().forEach((key, value) -> {
            String name = key.getKey().replaceAll("[^A-Za-z0-9_]", "_");
            if (value instanceof Long l) {
                annotations.put(name, l);
            } else if (value instanceof Boolean b) {
                annotations.put(name, b);
            } else {
                annotations.put(name, String.valueOf(value));
            }
        });
        ObjectNode metadata = d.putObject("metadata").putObject("otel").put("kind", span.getKind().name());
        if (error && span.getStatus().getDescription() != null) {
            metadata.put("status", span.getStatus().getDescription());
        }
        ArrayNode events = metadata.putArray("events");
        span.getEvents().forEach(e -> events.addObject().put("name", e.getName())
                .put("time", TimeUnit.NANOSECONDS.toMillis(e.getEpochNanos()) / 1e3)
                .put("attributes", e.getAttributes().toString()));
        return d;
    }

    /** X-Ray's id ({@code 1-5759e988-bd862e3fe1be46a994272793}) as OpenTelemetry's (32 hex digits). */
    static String otelId(String xrayId) {
        String[] parts = xrayId.split("-");
        return parts.length == 3 && parts[0].equals("1") ? parts[1] + parts[2] : xrayId;
    }

    /** OpenTelemetry's trace id as X-Ray's. */
    public static String xrayId(String otelId) {
        return "1-" + otelId.substring(0, 8) + "-" + otelId.substring(8);
    }
}
