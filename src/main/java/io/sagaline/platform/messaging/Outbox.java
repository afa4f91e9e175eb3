package io.sagaline.platform.messaging;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagaline.platform.Catalog;
import io.sagaline.platform.Reactive;
import io.sagaline.platform.Sql;
import io.smallrye.mutiny.Uni;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * The transactional outbox of a service: {@link #add} writes a message to the service's
 * {@code <schema>.outbox} inside the transaction that makes the change it announces, so both
 * commit or neither does; {@link #publish} sends it to every queue that receives its type right
 * after the commit; {@link #sweep} sends whatever a crash left unsent. A message may be sent
 * twice (a crash after the send, before it is marked sent): consumers are idempotent by its id.
 */
@ApplicationScoped
public class Outbox {

    private static final Logger LOG = Logger.getLogger(Outbox.class);
    private static final Pattern SCHEMA = Pattern.compile("[a-z]+");

    private final Queues queues;
    private final SqsClient sqs;
    private final ObjectMapper json;
    private final boolean haltAfterCommit;

    Outbox(Queues queues, SqsClient sqs, ObjectMapper json,
            @ConfigProperty(name = "sagaline.outbox.fault.halt-before-publish", defaultValue = "false") boolean haltAfterCommit) {
        this.queues = queues;
        this.sqs = sqs;
        this.json = json;
        this.haltAfterCommit = haltAfterCommit;
    }

    /** Adds {@code message} to {@code schema}'s outbox in the current transaction. */
    public Uni<Integer> add(String schema, Envelope message) {
        return Sql.execute(
                "insert into " + table(schema) + " (id, tenant, type, occurred_at, body) values (?1, ?2, ?3, ?4, ?5)",
                message.id(), message.tenant(), message.type(), OffsetDateTime.ofInstant(message.occurredAt(), ZoneOffset.UTC),
                write(message));
    }

    /**
     * Sends messages just committed to {@code schema}'s outbox and marks them sent. A failure is
     * logged and left to the sweeper: the change they announce is committed, and so are they.
     */
    public void publish(String schema, List<Envelope> committed) {
        if (committed.isEmpty()) {
            return;
        }
        if (haltAfterCommit) {
            // Fault injection for the crash test: the process dies between the commit and the send.
            LOG.warn("sagaline.outbox.fault.halt-before-publish: halting before publishing " + committed.size());
            Runtime.getRuntime().halt(137);
        }
        for (Envelope message : committed) {
            try {
                send(schema, message.id(), message.type(), message.tenant(), write(message));
            } catch (SdkException | IllegalStateException e) {
                LOG.warnf("outbox %s: message %s (%s) not sent now (%s); the sweeper will send it", schema, message.id(),
                        message.type(), e.getMessage());
            }
        }
    }

    /**
     * Sends every message of {@code schema}'s outbox still unsent after {@code grace}, oldest
     * first, at most {@code limit}; returns how many were sent.
     */
    public int sweep(String schema, Duration grace, int limit) {
        OffsetDateTime before = OffsetDateTime.now(ZoneOffset.UTC).minus(grace);
        List<Object[]> rows = Reactive.inTransaction(() -> Sql.rows(
                "select id, type, tenant, body from " + table(schema)
                        + " where published_at is null and occurred_at < ?1 order by occurred_at, id limit ?2",
                before, limit));
        int sent = 0;
        for (Object[] row : rows) {
            try {
                send(schema, (UUID) row[0], (String) row[1], (String) row[2], (String) row[3]);
                sent++;
            } catch (SdkException | IllegalStateException e) {
                LOG.warnf("outbox %s: message %s still not sent (%s)", schema, row[0], e.getMessage());
            }
        }
        return sent;
    }

    /** How many messages of {@code schema}'s outbox are not sent yet. */
    public long unsent(String schema) {
        List<Object[]> rows = Reactive.inTransaction(
                () -> Sql.rows("select count(*) from " + table(schema) + " where published_at is null"));
        return ((Number) rows.get(0)[0]).longValue();
    }

    private void send(String schema, UUID id, String type, String tenant, String body) {
        for (Catalog.Queue queue : queues.subscribers(type)) {
            sqs.sendMessage(r -> r.queueUrl(queues.url(queue.name())).messageBody(body).messageAttributes(Map.of(
                    "type", MessageAttributeValue.builder().dataType("String").stringValue(type).build(),
                    "tenant", MessageAttributeValue.builder().dataType("String").stringValue(tenant).build())));
        }
        Reactive.inTransaction(() -> Sql.execute(
                "update " + table(schema) + " set published_at = ?1 where id = ?2 and published_at is null",
                OffsetDateTime.now(ZoneOffset.UTC), id));
    }

    private String write(Envelope message) {
        try {
            return json.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String table(String schema) {
        if (!SCHEMA.matcher(schema).matches()) {
            throw new IllegalArgumentException("not a schema name: " + schema);
        }
        return schema + ".outbox";
    }
}
