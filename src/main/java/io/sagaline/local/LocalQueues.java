package io.sagaline.local;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.runtime.StartupEvent;
import io.sagaline.local.LocalFunctions.FunctionFailure;
import io.sagaline.platform.Catalog;
import io.sagaline.platform.messaging.Queues;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueNameExistsException;

/**
 * What AWS does around the queues, on the laptop: creates every queue of the catalog with its
 * dead-letter queue and redrive policy in the embedded SQS, and, as a Lambda event source mapping
 * does, polls each queue that a function consumes (with as many pollers as its
 * {@code maximumConcurrency}), invokes the function with an SQS event batch
 * and deletes the messages it did not report in {@code batchItemFailures} (all of them stay if
 * it fails). A failed message comes back after its visibility timeout; after
 * {@code maxReceiveCount} receives SQS moves it to the dead-letter queue. It also invokes the
 * functions of {@code schedule} triggers at their rate, as EventBridge Scheduler would.
 */
@ApplicationScoped
@IfBuildProfile(anyOf = { "dev", "test" })
public class LocalQueues {

    private static final Logger LOG = Logger.getLogger(LocalQueues.class);

    /** SQS's longest wait, which Lambda's pollers use. */
    static final int LONG_POLL_SECONDS = 20;
    private static final java.time.Duration LONG_POLL_TIMEOUT = java.time.Duration.ofSeconds(LONG_POLL_SECONDS + 5);

    private final LocalFunctions functions;
    private final SqsClient sqs;
    private final Queues queues;
    private final ObjectMapper json;
    private final Optional<Integer> visibilityOverride;
    private final Optional<java.time.Duration> scheduleOverride;
    private final Set<String> created = new HashSet<>();
    private final ExecutorService pollers;
    private final ScheduledExecutorService schedules;
    private volatile boolean running = true;
    /** Whether this process consumes the queues (a crash test's child does not: its long polls would outlive it). */
    private final boolean poll;

    private final io.sagaline.platform.observability.Metrics metrics;

    LocalQueues(LocalFunctions functions, SqsClient sqs, Queues queues, ObjectMapper json,
            io.sagaline.platform.observability.Metrics metrics,
            @ConfigProperty(name = "sagaline.local.queues.visibility-timeout-seconds") Optional<Integer> visibilityOverride,
            @ConfigProperty(name = "sagaline.local.schedules.every") Optional<java.time.Duration> scheduleOverride,
            @ConfigProperty(name = "sagaline.local.queues.poll", defaultValue = "true") boolean poll) {
        this.poll = poll;
        this.functions = functions;
        this.sqs = sqs;
        this.queues = queues;
        this.json = json;
        this.visibilityOverride = visibilityOverride;
        this.scheduleOverride = scheduleOverride;
        this.metrics = metrics;
        AtomicInteger count = new AtomicInteger();
        this.pollers = Executors
                .newCachedThreadPool(r -> LocalStepFunctions.daemon(r, "sqs-poller-" + count.incrementAndGet()));
        this.schedules = Executors.newSingleThreadScheduledExecutor(r -> LocalStepFunctions.daemon(r, "local-scheduler"));
    }

    void start(@Observes StartupEvent startup) {
        for (Catalog.Queue queue : functions.catalog().queues()) {
            create(queue);
            metrics.queueDepth(queue.name(), queue.name(), this::depth);
            metrics.queueDepth(queue.deadLetterQueue(), queue.deadLetterQueue(), this::depth);
        }
        executionEventsUrl();
        for (Catalog.Function f : functions.catalog().functions()) {
            if (f.trigger().isQueue() && poll) {
                Catalog.Queue queue = functions.catalog().queue(f.trigger().queue()).orElseThrow(
                        () -> new IllegalStateException(f.name() + " consumes undeclared queue " + f.trigger().queue()));
                for (int i = 0; i < queue.maximumConcurrency(); i++) {
                    pollers.submit(() -> poll(f, queue));
                }
            } else if (f.trigger().isSchedule()) {
                long every = scheduleOverride.orElse(f.trigger().rate()).toMillis();
                schedules.scheduleWithFixedDelay(() -> tick(f), every, every, TimeUnit.MILLISECONDS);
            }
        }
    }

    /** ApproximateNumberOfMessages of queue {@code name} (NaN if it cannot be asked): what a scrape of /q/metrics reads. */
    private double depth(String name) {
        try {
            return Double.parseDouble(sqs.getQueueAttributes(r -> r.queueUrl(queues.url(name))
                    .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
                    .getOrDefault(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "NaN"));
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    /** How many queues the catalog declares, dead-letter queues included. */
    public int declared() {
        return 2 * functions.catalog().queues().size() + (functions.catalog().executionEvents() == null ? 0 : 2);
    }

    /**
     * The URL of the queue the engine publishes execution status changes to (the catalog's executionEvents), created
     * with its dead-letter queue if it is not yet; null when the catalog declares none.
     */
    public synchronized String executionEventsUrl() {
        Catalog.ExecutionEvents events = functions.catalog().executionEvents();
        if (events == null) {
            return null;
        }
        if (!created.contains(events.queue())) {
            create(events.asQueue());
        }
        return queues.url(events.queue());
    }

    /** The queues that exist, for readiness. */
    public synchronized Set<String> queueNames() {
        return Set.copyOf(created);
    }

    private synchronized void create(Catalog.Queue queue) {
        String dlq = createOrUpdate(queue.deadLetterQueue(),
                Map.of(QueueAttributeName.MESSAGE_RETENTION_PERIOD, "1209600"));
        String dlqArn = sqs.getQueueAttributes(r -> r.queueUrl(dlq).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        String redrive = json.createObjectNode().put("deadLetterTargetArn", dlqArn)
                .put("maxReceiveCount", queue.maxReceiveCount()).toString();
        int visibility = visibilityOverride.orElse(queue.visibilityTimeoutSeconds());
        createOrUpdate(queue.name(), Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(visibility),
                QueueAttributeName.REDRIVE_POLICY, redrive));
        created.add(queue.name());
        created.add(queue.deadLetterQueue());
    }

    /**
     * Creates the queue with these attributes, or gives them to it if an earlier run against the same SQS created it otherwise.
     */
    private String createOrUpdate(String name, Map<QueueAttributeName, String> attributes) {
        try {
            return sqs.createQueue(r -> r.queueName(name).attributes(attributes)).queueUrl();
        } catch (QueueNameExistsException e) {
            String url = queues.url(name);
            sqs.setQueueAttributes(r -> r.queueUrl(url).attributes(attributes));
            return url;
        }
    }

    private void poll(Catalog.Function function, Catalog.Queue queue) {
        String url = queues.url(queue.name());
        String arn = "arn:aws:sqs:" + LocalStepFunctions.REGION + ":" + LocalStepFunctions.ACCOUNT + ":" + queue.name();
        while (running) {
            try {
                // Long polling, as Lambda's pollers do: an idle queue costs one request per 20 s, not one per second.
                List<Message> received = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(queue.batchSize())
                        .waitTimeSeconds(LONG_POLL_SECONDS).messageSystemAttributeNames(MessageSystemAttributeName.ALL)
                        .messageAttributeNames("All")
                        // the client's calls are capped at a few seconds (AwsClients); a long poll takes longer
                        .overrideConfiguration(
                                o -> o.apiCallTimeout(LONG_POLL_TIMEOUT).apiCallAttemptTimeout(LONG_POLL_TIMEOUT)))
                        .messages();
                if (received.isEmpty()) {
                    continue;
                }
                if (!running) {
                    release(url, received); // stopped while it waited: the next poller gets them now, not after the visibility timeout
                    return;
                }
                deliver(function, url, arn, received);
            } catch (SdkException e) {
                if (running) {
                    LOG.warnf("polling %s: %s", queue.name(), e.getMessage());
                    pause(1000);
                }
            } catch (RuntimeException e) {
                LOG.errorf(e, "polling %s", queue.name());
                pause(1000);
            }
        }
    }

    private void release(String url, List<Message> received) {
        List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
        for (Message m : received) {
            entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(Integer.toString(entries.size()))
                    .receiptHandle(m.receiptHandle()).visibilityTimeout(0).build());
        }
        try {
            sqs.changeMessageVisibilityBatch(r -> r.queueUrl(url).entries(entries));
        } catch (SdkException e) {
            LOG.warnf("could not give back %d messages received while stopping: %s", received.size(), e.getMessage());
        }
    }

    private void deliver(Catalog.Function function, String url, String arn, List<Message> received) {
        Set<String> failed = new HashSet<>();
        // As Lambda does for a batch of one: its invocation goes on in the message's trace (AWSTraceHeader).
        String trace = received.size() == 1 ? received.get(0).attributes().get(MessageSystemAttributeName.AWS_TRACE_HEADER)
                : null;
        try (io.opentelemetry.context.Scope traced = io.sagaline.platform.observability.Traces.fromXrayHeader(trace)
                .makeCurrent()) {
            JsonNode response = json.readTree(functions.invoke(function.name(), event(arn, received)));
            JsonNode failures = response == null ? null : response.get("batchItemFailures");
            if (failures != null && failures.isArray()) {
                for (JsonNode failure : failures) {
                    String id = failure.path("itemIdentifier").asText("");
                    if (id.isEmpty() || received.stream().noneMatch(m -> m.messageId().equals(id))) {
                        // As Lambda does: an unusable item identifier fails the whole batch.
                        received.forEach(m -> failed.add(m.messageId()));
                        break;
                    }
                    failed.add(id);
                }
            }
        } catch (FunctionFailure | java.io.IOException e) {
            LOG.warnf("%s failed on a batch of %d; all of it comes back: %s", function.name(), received.size(), e.getMessage());
            received.forEach(m -> failed.add(m.messageId()));
        }
        List<DeleteMessageBatchRequestEntry> done = new ArrayList<>();
        for (Message m : received) {
            if (!failed.contains(m.messageId())) {
                done.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(done.size()))
                        .receiptHandle(m.receiptHandle()).build());
            }
        }
        if (!done.isEmpty()) {
            sqs.deleteMessageBatch(r -> r.queueUrl(url).entries(done));
        }
    }

    /** The SQS event Lambda hands a queue consumer, record by record as AWS writes it. */
    private byte[] event(String arn, List<Message> messages) throws JsonProcessingException {
        ObjectNode event = json.createObjectNode();
        ArrayNode records = event.putArray("Records");
        for (Message m : messages) {
            ObjectNode record = records.addObject();
            record.put("messageId", m.messageId()).put("receiptHandle", m.receiptHandle()).put("body", m.body());
            ObjectNode attributes = record.putObject("attributes");
            m.attributes().forEach((k, v) -> attributes.put(k.toString(), v));
            ObjectNode messageAttributes = record.putObject("messageAttributes");
            m.messageAttributes().forEach((k, v) -> messageAttributes.putObject(k).put("stringValue", v.stringValue())
                    .put("dataType", v.dataType()).set("stringListValues", json.createArrayNode()));
            record.put("md5OfBody", m.md5OfBody()).put("eventSource", "aws:sqs").put("eventSourceARN", arn)
                    .put("awsRegion", LocalStepFunctions.REGION);
        }
        return json.writeValueAsBytes(event);
    }

    private void tick(Catalog.Function function) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("version", "0");
        event.put("id", UUID.randomUUID().toString());
        event.put("detail-type", "Scheduled Event");
        event.put("source", "aws.scheduler");
        event.put("account", LocalStepFunctions.ACCOUNT);
        event.put("time", Instant.now().toString());
        event.put("region", LocalStepFunctions.REGION);
        event.put("resources", List.of("arn:aws:scheduler:" + LocalStepFunctions.REGION + ":" + LocalStepFunctions.ACCOUNT
                + ":schedule/default/" + function.name()));
        event.put("detail", new HashMap<>());
        try {
            functions.invoke(function.name(), json.writeValueAsBytes(event));
        } catch (FunctionFailure | JsonProcessingException e) {
            LOG.warnf("scheduled %s failed: %s", function.name(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.errorf(e, "scheduled %s failed", function.name());
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops the schedules at once and lets each poller end its current long poll: an interrupt would
     * not end a blocking read, and the SDK would then drop what the poll received (an interrupted
     * thread's response is aborted) instead of giving it back. The pollers are daemons.
     */
    @PreDestroy
    void stop() {
        running = false;
        schedules.shutdownNow();
        pollers.shutdown();
    }
}
