package io.sagaline.asl;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.contrib.awsxray.propagator.AwsXrayPropagator;

/**
 * An execution as a trace, as X-Ray shows a Step Functions execution: a span for the execution,
 * the child of the trace its StartExecution named ({@code traceHeader}); a span for each state it
 * enters, from entry to exit; and for each attempt of a Task a client span, current while the task
 * runs, so that the function's own spans are its children. A retry is an event of the state's
 * span, a Catch marks it an error with the error caught. Spans live in memory: after a restart
 * the execution goes on in a new span of the same trace ("resumed").
 */
final class ExecutionTrace {

    static final AttributeKey<String> STATE = AttributeKey.stringKey("aws.step_functions.state.name");
    static final AttributeKey<String> STATE_TYPE = AttributeKey.stringKey("aws.step_functions.state.type");
    static final AttributeKey<String> EXECUTION = AttributeKey.stringKey("aws.step_functions.execution.arn");
    static final AttributeKey<String> MACHINE = AttributeKey.stringKey("aws.step_functions.state_machine.arn");
    static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("aws.step_functions.attempt");
    static final AttributeKey<String> ERROR = AttributeKey.stringKey("aws.step_functions.error");

    private final Tracer tracer;
    private final Span execution;
    private final Execution of;
    private final Interpreter.Observer observer;
    private Span state;
    private boolean closed;

    private ExecutionTrace(Tracer tracer, Span execution, Execution of, Interpreter.Observer observer) {
        this.tracer = tracer;
        this.execution = execution;
        this.of = of;
        this.observer = observer;
    }

    /**
     * The execution's span from {@code at} on: the child of {@code parent} (a branch's: of its
     * Parallel or Map state), {@code how} it began (started, resumed, redriven); {@code observer}
     * hears its end (none for a branch).
     */
    static ExecutionTrace begin(Tracer tracer, Execution e, Context parent, Instant at, String how,
            Interpreter.Observer observer) {
        Span span = tracer.spanBuilder(e.machine().name() + (e.isBranch() ? " branch" : "")).setParent(parent)
                .setStartTimestamp(at).setAttribute(EXECUTION, e.arn()).setAttribute(MACHINE, e.stateMachineArn())
                .setAttribute("aws.step_functions.execution.begins", how).startSpan();
        return new ExecutionTrace(tracer, span, e, observer);
    }

    /** The context an X-Ray trace header names; the root context if there is none. */
    static Context parentOf(String traceHeader) {
        if (traceHeader == null || traceHeader.isBlank()) {
            return Context.root();
        }
        return AwsXrayPropagator.getInstance().extract(Context.root(), Map.of("X-Amzn-Trace-Id", traceHeader), GETTER);
    }

    /** X-Ray's trace header of this execution's span: what DescribeExecution answers when no caller gave one. */
    String traceHeader() {
        java.util.Map<String, String> carrier = new java.util.HashMap<>();
        AwsXrayPropagator.getInstance().inject(Context.root().with(execution), carrier, Map::put);
        return carrier.get("X-Amzn-Trace-Id");
    }

    synchronized Context stateContext() {
        return Context.root().with(state != null ? state : execution);
    }

    synchronized void entered(String name, String type, Instant at) {
        if (closed) {
            return; // ended from outside meanwhile: its run enters nothing more
        }
        if (state != null) {
            state.end(at);
        }
        state = tracer.spanBuilder(name).setParent(Context.root().with(execution)).setStartTimestamp(at)
                .setAttribute(STATE, name).setAttribute(STATE_TYPE, type).startSpan();
    }

    synchronized void exited(Instant at) {
        if (state != null) {
            state.end(at);
            state = null;
        }
    }

    /** The span of one attempt of a Task: the caller makes it current while the task runs, and ends it. */
    synchronized Span task(String resource, int attempt, Instant at) {
        if (closed) {
            return Span.getInvalid();
        }
        String function = resource.substring(resource.lastIndexOf(':') + 1);
        return tracer.spanBuilder(function).setParent(stateContext()).setSpanKind(SpanKind.CLIENT).setStartTimestamp(at)
                .setAttribute("aws.step_functions.task.resource", resource).setAttribute(ATTEMPT, (long) attempt)
                .startSpan();
    }

    /** A failure the state's Retry takes: it runs again after {@code delay}. */
    synchronized void retried(String error, int attempt, Duration delay) {
        if (state != null) {
            state.addEvent("retry", Attributes.of(ERROR, error, ATTEMPT, (long) attempt,
                    AttributeKey.longKey("aws.step_functions.retry.delay_ms"), delay.toMillis()));
        }
    }

    /** A failure a Catch takes: the state fails with it, the execution goes on at {@code next}. */
    synchronized void caught(String error, String cause, String next) {
        if (state != null) {
            state.setStatus(StatusCode.ERROR, error);
            state.setAttribute(ERROR, error);
            state.setAttribute("aws.step_functions.caught_by", next);
            state.addEvent("caught", Attributes.of(ERROR, error, AttributeKey.stringKey("aws.step_functions.cause"),
                    cause == null ? "" : cause));
        }
    }

    /** The execution ended ({@code status}; the error, if it failed). */
    synchronized void closed(Execution.Status status, String error, Instant at) {
        if (closed) {
            return;
        }
        closed = true;
        if (state != null) {
            if (status != Execution.Status.SUCCEEDED) {
                state.setStatus(StatusCode.ERROR, String.valueOf(error));
            }
            state.end(at);
            state = null;
        }
        execution.setAttribute("aws.step_functions.execution.status", status.name());
        if (status != Execution.Status.SUCCEEDED) {
            execution.setStatus(StatusCode.ERROR, String.valueOf(error));
            if (error != null) {
                execution.setAttribute(ERROR, error);
            }
        }
        execution.end(at);
        if (observer != null) {
            observer.ended(of);
        }
    }

    private static final TextMapGetter<Map<String, String>> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };
}
