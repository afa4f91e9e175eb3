package io.sagaline.platform.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.platform.Catalog;
import io.sagaline.platform.Reactive;
import io.sagaline.support.Db;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageResponse;
import software.amazon.awssdk.services.sqs.model.SqsException;

/**
 * An event with several subscribers (OrderApproved: the invoices, notifications and webhooks queues) is
 * sent to all of them at once after its commit, and marked sent only when every send succeeded.
 * The sends here reach a stand-in for the SQS client that records them (and fails one when asked):
 * the message is about no real order, and must not reach the real consumers. It is written to the
 * real outbox with a time a day ahead, so that the real sweeper leaves it alone, and removed after.
 */
@QuarkusTest
class OutboxFanOutTest {

    // The catalog's three subscribers of OrderApproved (checked in each test).
    private static final String INVOICES = "invoices-order-approved";
    private static final String NOTIFICATIONS = "notifications-order-outcomes";
    private static final String WEBHOOKS = "webhooks-order-events";

    @Inject
    io.sagaline.platform.observability.Telemetry telemetry;
    @Inject
    io.sagaline.platform.observability.Metrics metrics;
    @Inject
    Queues queues;
    @Inject
    SfnClient sfn;
    @Inject
    ObjectMapper json;
    @Inject
    AgroalDataSource dataSource;

    private final Set<UUID> written = ConcurrentHashMap.newKeySet();

    @AfterEach
    void removeTheMessages() {
        written.forEach(id -> new Db(dataSource).update("delete from orders.outbox where id = ?::uuid", id.toString()));
    }

    @Test
    void anEventForThreeQueues_isSentToAllAtOnce_andMarkedSent() throws Exception {
        Envelope approved = committed();
        // Each send waits until the others have begun: sent one after the other, the first would wait in vain.
        CountDownLatch bothBegun = new CountDownLatch(3);
        Map<String, String> sent = new ConcurrentHashMap<>();
        Outbox outbox = outbox(request -> {
            bothBegun.countDown();
            if (!bothBegun.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the other queues' sends did not begin while this one was under way");
            }
            sent.put(queue(request.queueUrl()), request.messageBody());
        });

        outbox.publish("orders", List.of(approved));

        assertThat(sent).containsOnlyKeys(INVOICES, NOTIFICATIONS, WEBHOOKS);
        assertThat(json.readTree(sent.get(INVOICES)).get("id").asText()).isEqualTo(approved.id().toString());
        assertThat(sent.get(NOTIFICATIONS)).isEqualTo(sent.get(INVOICES));
        assertThat(sent.get(WEBHOOKS)).isEqualTo(sent.get(INVOICES));
        assertThat(publishedAt(approved)).as("marked sent").isNotNull();
    }

    @Test
    void anEventOneOfWhoseSendsFails_isNotMarkedSent_soItStaysForTheSweeper() throws Exception {
        Envelope approved = committed();
        Map<String, String> sent = new ConcurrentHashMap<>();
        Outbox outbox = outbox(request -> {
            if (queue(request.queueUrl()).equals(NOTIFICATIONS)) {
                throw SqsException.builder().message("injected: the queue is unreachable").statusCode(503).build();
            }
            sent.put(queue(request.queueUrl()), request.messageBody());
        });

        outbox.publish("orders", List.of(approved)); // logs the failure: the change it announces is committed

        assertThat(sent).as("the other queues' sends went ahead").containsOnlyKeys(INVOICES, WEBHOOKS);
        assertThat(publishedAt(approved)).as("not marked sent").isNull();
    }

    interface Send {
        void accept(SendMessageRequest request) throws Exception;
    }

    /** An outbox whose SQS client hands every SendMessage to {@code send}; nothing else is called. */
    private Outbox outbox(Send send) {
        SqsClient recording = (SqsClient) Proxy.newProxyInstance(SqsClient.class.getClassLoader(),
                new Class<?>[] { SqsClient.class }, (proxy, method, args) -> {
                    if (!method.getName().equals("sendMessage")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    SendMessageRequest request;
                    if (args[0] instanceof SendMessageRequest r) {
                        request = r;
                    } else {
                        @SuppressWarnings("unchecked")
                        Consumer<SendMessageRequest.Builder> builder = (Consumer<SendMessageRequest.Builder>) args[0];
                        SendMessageRequest.Builder b = SendMessageRequest.builder();
                        builder.accept(b);
                        request = b.build();
                    }
                    send.accept(request);
                    return SendMessageResponse.builder().messageId(UUID.randomUUID().toString()).build();
                });
        return new Outbox(queues, recording, sfn, json, telemetry, metrics);
    }

    /** An OrderApproved committed to the orders outbox, dated a day ahead (see the class comment). */
    private Envelope committed() {
        assertThat(queues.subscribers("OrderApproved")).extracting(Catalog.Queue::name)
                .containsExactlyInAnyOrder(INVOICES, NOTIFICATIONS, WEBHOOKS);
        String order = UUID.randomUUID().toString();
        Envelope approved = new Envelope(UUID.randomUUID(), "OrderApproved", 1, "demo", order, "test",
                Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MILLIS),
                json.createObjectNode().put("orderId", order));
        written.add(approved.id());
        Outbox writer = new Outbox(queues, null, sfn, json, telemetry, metrics);
        Reactive.inTransaction(() -> writer.add("orders", approved));
        return approved;
    }

    private Object publishedAt(Envelope message) {
        return new Db(dataSource).row("select published_at from orders.outbox where id = ?::uuid", message.id().toString())
                .get("published_at");
    }

    private String queue(String url) {
        for (String name : List.of(INVOICES, NOTIFICATIONS, WEBHOOKS)) {
            if (queues.url(name).equals(url)) {
                return name;
            }
        }
        throw new AssertionError("a send to a queue that does not receive OrderApproved: " + url);
    }
}
