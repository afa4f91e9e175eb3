package io.sagaline.platform.messaging;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.sagaline.platform.Reactive;
import io.sagaline.platform.Sql;
import io.sagaline.platform.observability.Metrics;
import io.sagaline.platform.observability.Telemetry;
import io.sagaline.platform.observability.Traces;
import io.smallrye.mutiny.Uni;

/**
 * The consuming side of a queue: takes an SQS event batch, applies each message once and answers
 * a partial batch response. Each message commits in its own transaction together with the record
 * that it was processed ({@code <schema>.processed_messages}, keyed by consumer and message id),
 * so a message delivered again changes nothing; a message that fails is reported in
 * {@code batchItemFailures} alone and comes back, the others are done.
 */
@ApplicationScoped
public class Inbox {

    private static final Logger LOG = Logger.getLogger(Inbox.class);

    private final ObjectMapper json;
    private final Telemetry telemetry;
    private final Metrics metrics;

    Inbox(ObjectMapper json, Telemetry telemetry, Metrics metrics) {
        this.json = json;
        this.telemetry = telemetry;
        this.metrics = metrics;
    }

    /**
     * Applies {@code effect} to each message of {@code batch} not yet processed by {@code consumer};
     * answers the messages that failed (unreadable, or their effect threw).
     */
    public SQSBatchResponse consume(String schema, String consumer, SQSEvent batch, Function<Envelope, Uni<?>> effect) {
        return consumePrepared(schema, consumer, batch, message -> () -> effect.apply(message));
    }

    /**
     * As {@link #consume}, with a step before each message's transaction: {@code prepare} runs on
     * the calling thread, where it may block (unwrap a data key with KMS, which must not happen on
     * the transaction's event loop), and yields the effect the transaction applies. It runs for a
     * duplicate too, whose effect is then not applied.
     */
    public SQSBatchResponse consumePrepared(String schema, String consumer, SQSEvent batch,
            Function<Envelope, java.util.function.Supplier<Uni<?>>> prepare) {
        String processed = Sql.table(schema, "processed_messages");
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        List<SQSEvent.SQSMessage> records = batch.getRecords() == null ? List.of() : batch.getRecords();
        try {
            for (SQSEvent.SQSMessage record : records) {
                consumeOne(processed, consumer, record, prepare, failures);
            }
        } finally {
            telemetry.endOfInvocation();
        }
        return SQSBatchResponse.builder().withBatchItemFailures(failures).build();
    }

    /**
     * One message, in a consumer span of the trace it was sent in (its {@code traceparent}
     * attribute), with its ids in the logging context: the message, the queue's message, and what it
     * is about (its correlation id: the order, the customer).
     */
    private void consumeOne(String processed, String consumer, SQSEvent.SQSMessage record,
            Function<Envelope, java.util.function.Supplier<Uni<?>>> prepare, List<SQSBatchResponse.BatchItemFailure> failures) {
        SQSEvent.MessageAttribute traceparent = record.getMessageAttributes() == null ? null
                : record.getMessageAttributes().get(Traces.TRACEPARENT);
        Span span = telemetry.tracer().spanBuilder(consumer + " process")
                .setParent(
                        traceparent == null ? Traces.invocationParent() : Traces.fromTraceparent(traceparent.getStringValue()))
                .setSpanKind(SpanKind.CONSUMER).setAttribute("messaging.system", "aws_sqs")
                .setAttribute("messaging.operation.type", "process")
                .setAttribute("messaging.message.id", String.valueOf(record.getMessageId()))
                .setAttribute("messaging.destination.name", String.valueOf(queueOf(record.getEventSourceArn()))).startSpan();
        String outcome = "failed";
        try (Scope ignored = span.makeCurrent()) {
            MDC.put("sqsMessageId", String.valueOf(record.getMessageId()));
            try {
                Envelope message = json.readValue(record.getBody(), Envelope.class);
                MDC.put("messageId", String.valueOf(message.id()));
                MDC.put("correlationId", String.valueOf(message.correlationId()));
                MDC.put("tenant", message.tenant());
                span.setAttribute("sagaline.message.type", message.type());
                span.setAttribute("sagaline.correlation_id", String.valueOf(message.correlationId()));
                java.util.function.Supplier<Uni<?>> effect = prepare.apply(message);
                boolean applied = Reactive.inTransaction(() -> Sql.execute("insert into " + processed
                        + " (consumer, message_id, tenant, type, processed_at) values (?1, ?2, ?3, ?4, ?5)"
                        + " on conflict do nothing", consumer, message.id(), message.tenant(), message.type(),
                        OffsetDateTime.now(ZoneOffset.UTC))
                        .chain(first -> first == 1 ? effect.get().replaceWith(true) : Uni.createFrom().item(false)));
                outcome = applied ? "applied" : "duplicate";
                LOG.infof("consumer=%s message=%s type=%s outcome=%s", consumer, message.id(), message.type(), outcome);
            } catch (Exception e) {
                Telemetry.failed(span, e);
                LOG.warnf("consumer=%s sqsMessage=%s outcome=failed receiveCount=%s: %s", consumer, record.getMessageId(),
                        record.getAttributes() == null ? "?" : record.getAttributes().get("ApproximateReceiveCount"),
                        e.getMessage());
                failures.add(SQSBatchResponse.BatchItemFailure.builder().withItemIdentifier(record.getMessageId()).build());
            } finally {
                MDC.remove("sqsMessageId");
                MDC.remove("messageId");
                MDC.remove("correlationId");
                MDC.remove("tenant");
            }
        } finally {
            span.setAttribute("sagaline.outcome", outcome);
            metrics.consumed(consumer, outcome);
            span.end();
        }
    }

    /** The queue's name in its ARN ({@code arn:aws:sqs:<region>:<account>:<name>}). */
    private static String queueOf(String arn) {
        return arn == null ? null : arn.substring(arn.lastIndexOf(':') + 1);
    }
}
