package io.sagaline.platform.messaging;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.sagaline.platform.Catalog;
import io.sagaline.platform.Reactive;
import io.sagaline.platform.Sql;
import io.sagaline.platform.observability.Metrics;
import io.sagaline.platform.observability.Telemetry;
import io.sagaline.platform.observability.Traces;
import io.smallrye.mutiny.Uni;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionAlreadyExistsException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeValue;

/**
 * The transactional outbox of a service: {@link #add} writes a message to the service's
 * {@code <schema>.outbox} inside the transaction that makes the change it announces, so both
 * commit or neither does; {@link #publish} sends it to every queue that receives its type right
 * after the commit; {@link #sweep} sends whatever a crash left unsent. A message may be sent
 * twice (a crash after the send, before it is marked sent): consumers are idempotent by its id.
 * <p>
 * A message of type {@value #START_EXECUTION} is a command rather than an event: it starts the
 * execution its payload names ({@code stateMachine}, {@code name}, {@code input}), so that a saga
 * is started exactly when the change that asks for it commits. Executions are named, so starting
 * one twice is one execution.
 */
@ApplicationScoped
public class Outbox {

    private static final Logger LOG = Logger.getLogger(Outbox.class);
    public static final String START_EXECUTION = "StartExecution";

    private final Queues queues;
    private final SqsClient sqs;
    private final SfnClient sfn;
    private final ObjectMapper json;
    private final Telemetry telemetry;
    private final Metrics metrics;
    /*
     * A message with several subscribers (OrderApproved: invoices and notifications) goes to their
     * queues at once: one after the other, the two sends were 24 of ApproveOrder's 40 ms at one
     * order at a time (bench/README.md). Daemon threads, kept between invocations as a Lambda keeps
     * its sandbox; every send has ended when send() returns, so nothing runs after a handler answers.
     */
    private final ExecutorService fanOut = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "outbox-fan-out");
        thread.setDaemon(true);
        return thread;
    });

    Outbox(Queues queues, SqsClient sqs, SfnClient sfn, ObjectMapper json, Telemetry telemetry, Metrics metrics) {
        this.queues = queues;
        this.telemetry = telemetry;
        this.metrics = metrics;
        this.sqs = sqs;
        this.sfn = sfn;
        this.json = json;
    }

    /** Adds {@code message} to {@code schema}'s outbox in the current transaction. */
    public Uni<Integer> add(String schema, Envelope message) {
        return Sql.execute("insert into " + table(schema)
                + " (id, tenant, type, occurred_at, body, traceparent) values (?1, ?2, ?3, ?4, ?5, ?6)", message.id(),
                message.tenant(), message.type(), OffsetDateTime.ofInstant(message.occurredAt(), ZoneOffset.UTC),
                write(message), Traces.traceparent(Context.current()));
    }

    /**
     * Sends messages just committed to {@code schema}'s outbox and marks them sent. A failure is
     * logged and left to the sweeper: the change they announce is committed, and so are they.
     */
    public void publish(String schema, List<Envelope> committed) {
        if (committed.isEmpty()) {
            return;
        }
        for (Envelope message : committed) {
            try {
                send(schema, message.id(), message.type(), message.tenant(), write(message), Context.current());
            } catch (RuntimeException e) {
                LOG.warnf("outbox %s: message %s (%s) not sent now (%s); the sweeper will send it", schema, message.id(),
                        message.type(), e.getMessage());
            }
        }
    }

    /**
     * Sends the messages of {@code schema}'s outbox still unsent after {@code grace}, oldest first,
     * at most {@code limit}; returns how many it looked at. A message that cannot be sent is tried
     * again after a backoff (2^attempts seconds, at most 15 minutes) and does not hold up the others.
     */
    public int sweep(String schema, Duration grace, int limit) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        List<Object[]> rows = Reactive.inTransaction(() -> Sql.rows(
                "select id, type, tenant, body, attempts, traceparent from " + table(schema)
                        + " where published_at is null and occurred_at < ?1 and (next_attempt_at is null or next_attempt_at <= ?2)"
                        + " order by occurred_at, id limit ?3",
                now.minus(grace), now, limit));
        for (Object[] row : rows) {
            try {
                send(schema, (UUID) row[0], (String) row[1], (String) row[2], (String) row[3],
                        Traces.fromTraceparent((String) row[5]));
            } catch (RuntimeException e) {
                int attempts = ((Number) row[4]).intValue() + 1;
                long backoff = Math.min(900, 1L << Math.min(attempts, 10));
                LOG.warnf("outbox %s: message %s (%s) still not sent after %d attempts, next in %d s: %s", schema, row[0],
                        row[1],
                        attempts, backoff, e.getMessage());
                Reactive.inTransaction(() -> Sql.execute("update " + table(schema)
                        + " set attempts = ?1, next_attempt_at = ?2 where id = ?3 and published_at is null", attempts,
                        OffsetDateTime.now(ZoneOffset.UTC).plusSeconds(backoff), row[0]));
            }
        }
        return rows.size();
    }

    /** How many messages of {@code schema}'s outbox are not sent yet. */
    public long unsent(String schema) {
        return backlog(schema).unsent();
    }

    /** What {@code schema}'s outbox holds unsent: how many, and how long the oldest has waited (zero if none). */
    public record Backlog(long unsent, Duration oldest) {
    }

    public Backlog backlog(String schema) {
        List<Object[]> rows = Reactive.inTransaction(() -> Sql.rows(
                "select count(*), min(occurred_at) from " + table(schema) + " where published_at is null"));
        Object oldest = rows.get(0)[1];
        Duration age = oldest == null ? Duration.ZERO
                : Duration.between(oldest instanceof OffsetDateTime o ? o.toInstant() : ((java.time.Instant) oldest),
                        java.time.Instant.now());
        return new Backlog(((Number) rows.get(0)[0]).longValue(), age.isNegative() ? Duration.ZERO : age);
    }

    /** Deletes the messages of {@code schema}'s outbox sent longer than {@code retention} ago; returns how many. */
    public int purge(String schema, Duration retention) {
        return Reactive.inTransaction(() -> Sql.execute("delete from " + table(schema) + " where published_at < ?1",
                OffsetDateTime.now(ZoneOffset.UTC).minus(retention)));
    }

    /**
     * Sends one message, in a producer span of the trace it was written in ({@code trace}): a
     * command starts its execution in that trace, an event carries it to its consumers.
     */
    private void send(String schema, UUID id, String type, String tenant, String body, Context trace) {
        Span span = telemetry.tracer().spanBuilder(START_EXECUTION.equals(type) ? "StartExecution" : type + " publish")
                .setParent(trace).setSpanKind(SpanKind.PRODUCER).setAttribute("messaging.system", "aws_sqs")
                .setAttribute("messaging.message.id", id.toString()).setAttribute("sagaline.outbox", schema).startSpan();
        try (Scope ignored = span.makeCurrent()) {
            send(schema, id, type, tenant, body);
        } catch (RuntimeException e) {
            Telemetry.failed(span, e);
            throw e;
        } finally {
            span.end();
        }
    }

    private void send(String schema, UUID id, String type, String tenant, String body) {
        if (START_EXECUTION.equals(type)) {
            start(body);
        }
        List<Catalog.Queue> targets = queues.subscribers(type);
        if (!targets.isEmpty()) {
            List<CompletableFuture<Void>> others = new ArrayList<>();
            for (Catalog.Queue queue : targets.subList(1, targets.size())) {
                others.add(CompletableFuture.runAsync(Context.current().wrap(() -> sendTo(queue, type, tenant, body)), fanOut));
            }
            RuntimeException failed = null;
            try {
                sendTo(targets.get(0), type, tenant, body);
            } catch (RuntimeException e) {
                failed = e;
            } finally {
                // Whatever happened here, the other sends end before this method does.
                for (CompletableFuture<Void> other : others) {
                    try {
                        other.join();
                    } catch (CompletionException e) {
                        if (failed == null) {
                            failed = e.getCause() instanceof RuntimeException r ? r : e;
                        }
                    }
                }
            }
            if (failed != null) {
                throw failed; // not marked sent: the sweeper sends it to every queue again
            }
        }
        Reactive.inTransaction(() -> Sql.execute(
                "update " + table(schema) + " set published_at = ?1 where id = ?2 and published_at is null",
                OffsetDateTime.now(ZoneOffset.UTC), id));
    }

    /** Sends to one queue; the message's attributes carry its trace, as W3C's traceparent and as X-Ray's AWSTraceHeader. */
    private void sendTo(Catalog.Queue queue, String type, String tenant, String body) {
        Map<String, MessageAttributeValue> attributes = new java.util.HashMap<>(Map.of(
                "type", MessageAttributeValue.builder().dataType("String").stringValue(type).build(),
                "tenant", MessageAttributeValue.builder().dataType("String").stringValue(tenant).build()));
        String traceparent = Traces.traceparent(Context.current());
        String xray = Traces.xrayHeader(Context.current());
        if (traceparent != null) {
            attributes.put(Traces.TRACEPARENT,
                    MessageAttributeValue.builder().dataType("String").stringValue(traceparent).build());
        }
        sqs.sendMessage(r -> {
            r.queueUrl(queues.url(queue.name())).messageBody(body).messageAttributes(attributes);
            if (xray != null) {
                r.messageSystemAttributesWithStrings(Map.of("AWSTraceHeader",
                        MessageSystemAttributeValue.builder().dataType("String").stringValue(xray).build()));
            }
        });
    }

    private void start(String body) {
        JsonNode payload;
        try {
            payload = json.readTree(body).path("payload");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable outbox message", e);
        }
        String machine = payload.path("stateMachine").asText();
        String arn = ConfigProvider.getConfig().getValue("sagaline.state-machines." + machine + ".arn", String.class);
        try {
            sfn.startExecution(r -> r.stateMachineArn(arn).name(payload.path("name").asText())
                    .input(payload.path("input").asText()).traceHeader(Traces.xrayHeader(Context.current())));
            metrics.sagaStarted(machine);
        } catch (ExecutionAlreadyExistsException e) {
            // Started before: by this message sent earlier, or by the caller directly.
        }
    }

    private String write(Envelope message) {
        try {
            return json.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String table(String schema) {
        return Sql.table(schema, "outbox");
    }
}
