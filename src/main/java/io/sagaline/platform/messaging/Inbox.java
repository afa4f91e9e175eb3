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

import io.sagaline.platform.Reactive;
import io.sagaline.platform.Sql;
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

    Inbox(ObjectMapper json) {
        this.json = json;
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
        for (SQSEvent.SQSMessage record : records) {
            try {
                Envelope message = json.readValue(record.getBody(), Envelope.class);
                MDC.put("correlationId", String.valueOf(message.correlationId()));
                MDC.put("tenant", message.tenant());
                java.util.function.Supplier<Uni<?>> effect = prepare.apply(message);
                boolean applied = Reactive.inTransaction(() -> Sql.execute("insert into " + processed
                        + " (consumer, message_id, tenant, type, processed_at) values (?1, ?2, ?3, ?4, ?5)"
                        + " on conflict do nothing", consumer, message.id(), message.tenant(), message.type(),
                        OffsetDateTime.now(ZoneOffset.UTC))
                        .chain(first -> first == 1 ? effect.get().replaceWith(true) : Uni.createFrom().item(false)));
                LOG.infof("consumer=%s message=%s type=%s outcome=%s", consumer, message.id(), message.type(),
                        applied ? "applied" : "duplicate");
            } catch (Exception e) {
                LOG.warnf("consumer=%s sqsMessage=%s outcome=failed receiveCount=%s: %s", consumer, record.getMessageId(),
                        record.getAttributes() == null ? "?" : record.getAttributes().get("ApproximateReceiveCount"),
                        e.getMessage());
                failures.add(SQSBatchResponse.BatchItemFailure.builder().withItemIdentifier(record.getMessageId()).build());
            } finally {
                MDC.remove("correlationId");
                MDC.remove("tenant");
            }
        }
        return SQSBatchResponse.builder().withBatchItemFailures(failures).build();
    }
}
