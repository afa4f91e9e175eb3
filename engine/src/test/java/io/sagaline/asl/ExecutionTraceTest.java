package io.sagaline.asl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.sagaline.asl.testing.VirtualTime;

/**
 * The engine traces an execution as X-Ray shows one: a span for the execution in the trace its
 * StartExecution named, a span per state from entry to exit on the engine's clock, a client span
 * per attempt of a task (the attempt numbered), a retry as an event of its state, a Catch as the
 * state's error; and it counts retries and ends for the engine's metrics.
 */
class ExecutionTraceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRACE = "5759e988bd862e3fe1be46a994272793";

    @Test
    void aTaskRetriedThenCaught_isTracedAsTwoAttempts_aRetryEvent_andTheStatesCaughtError() throws Exception {
        JsonNode definition = JSON.readTree("""
                {"StartAt": "Charge", "States": {
                  "Charge": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:000000000000:function:charge",
                    "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 2, "MaxAttempts": 1}],
                    "Catch": [{"ErrorEquals": ["Declined"], "Next": "Refuse"}], "End": true},
                  "Refuse": {"Type": "Pass", "End": true}}}""");
        List<SpanData> spans = new ArrayList<>();
        SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(collect(spans)))
                .build();
        VirtualTime time = new VirtualTime(Instant.parse("2026-11-22T00:00:00Z"));
        AtomicInteger calls = new AtomicInteger();
        List<String> observed = new ArrayList<>();
        Interpreter.TaskInvoker tasks = (resource, payload, timeout) -> {
            time.advance(Duration.ofMillis(40));
            throw new StatesFailure(calls.incrementAndGet() == 1 ? "Flaky" : "Declined", "no");
        };
        Interpreter.Observer observer = new Interpreter.Observer() {
            @Override
            public void retried(Execution execution, String state, String error) {
                observed.add("retried " + state + " " + error);
            }

            @Override
            public void ended(Execution execution) {
                observed.add("ended " + execution.status());
            }
        };
        Execution execution = new Interpreter(tasks, time, time.clock(), ExecutionStore.NONE, provider.get("test"), observer)
                .start("arn:aws:states:us-east-1:000000000000:execution:pay:e-1", "e-1",
                        "arn:aws:states:us-east-1:000000000000:stateMachine:pay", StateMachine.parse("pay", definition),
                        JSON.createObjectNode(), "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1");
        time.runUntilIdle();

        assertThat(execution.status()).isEqualTo(Execution.Status.SUCCEEDED);
        assertThat(execution.traceHeader()).startsWith("Root=1-5759e988-bd862e3fe1be46a994272793");
        assertThat(observed).containsExactly("retried Charge Flaky", "ended SUCCEEDED");
        assertThat(spans).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(TRACE));

        SpanData run = named(spans, "pay");
        assertThat(run.getParentSpanId()).isEqualTo("53995c3f42cd8ad8");
        SpanData charge = named(spans, "Charge");
        assertThat(charge.getParentSpanId()).isEqualTo(run.getSpanId());
        assertThat(charge.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(charge.getAttributes().get(AttributeKey.stringKey("aws.step_functions.caught_by"))).isEqualTo("Refuse");
        assertThat(charge.getEvents()).extracting(e -> e.getName()).containsExactly("retry", "caught");
        assertThat(charge.getEvents().get(0).getAttributes().get(AttributeKey.longKey("aws.step_functions.retry.delay_ms")))
                .isEqualTo(2000L);
        // the state lasted from its entry to its exit on the engine's clock: two attempts and the back-off
        assertThat(Duration.ofNanos(charge.getEndEpochNanos() - charge.getStartEpochNanos()))
                .isEqualTo(Duration.ofMillis(2080));

        List<SpanData> attempts = spans.stream().filter(s -> s.getName().equals("charge")).toList();
        assertThat(attempts).hasSize(2).allSatisfy(a -> {
            assertThat(a.getKind()).isEqualTo(SpanKind.CLIENT);
            assertThat(a.getParentSpanId()).isEqualTo(charge.getSpanId());
            assertThat(a.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        });
        assertThat(attempts).extracting(a -> a.getAttributes().get(AttributeKey.longKey("aws.step_functions.attempt")))
                .containsExactlyInAnyOrder(1L, 2L);
        SpanData refuse = named(spans, "Refuse");
        assertThat(refuse.getParentSpanId()).isEqualTo(run.getSpanId());
        assertThat(refuse.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(run.getAttributes().get(AttributeKey.stringKey("aws.step_functions.execution.status")))
                .isEqualTo("SUCCEEDED");
    }

    @Test
    void aFailedExecution_endsItsStateAndItselfAsErrors_withTheError() throws Exception {
        JsonNode definition = JSON.readTree(
                """
                        {"StartAt": "Give", "States": {
                          "Give": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:000000000000:function:give-back", "End": true}}}""");
        List<SpanData> spans = new ArrayList<>();
        SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(collect(spans)))
                .build();
        VirtualTime time = new VirtualTime(Instant.parse("2026-11-22T00:00:00Z"));
        Execution execution = new Interpreter((r, p, t) -> {
            throw new StatesFailure("Gone", "the database is gone");
        }, time, time.clock(), ExecutionStore.NONE, provider.get("test"), Interpreter.Observer.NONE)
                .start("arn:aws:states:us-east-1:000000000000:execution:give:e-2", "e-2",
                        "arn:aws:states:us-east-1:000000000000:stateMachine:give", StateMachine.parse("give", definition),
                        JSON.createObjectNode(), null);
        time.runUntilIdle();

        assertThat(execution.status()).isEqualTo(Execution.Status.FAILED);
        // without a caller's header, it begins a trace of its own, which DescribeExecution names
        assertThat(execution.traceHeader()).startsWith("Root=1-" + spans.get(0).getTraceId().substring(0, 8));
        assertThat(named(spans, "give-back").getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(named(spans, "Give").getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        SpanData run = named(spans, "give");
        assertThat(run.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(run.getAttributes().get(AttributeKey.stringKey("aws.step_functions.error"))).isEqualTo("Gone");
    }

    private static SpanData named(List<SpanData> spans, String name) {
        List<SpanData> found = spans.stream().filter(s -> s.getName().equals(name)).toList();
        assertThat(found).as(name).hasSize(1);
        return found.get(0);
    }

    private static SpanExporter collect(List<SpanData> spans) {
        return new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> batch) {
                spans.addAll(batch);
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        };
    }
}
