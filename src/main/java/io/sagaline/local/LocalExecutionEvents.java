package io.sagaline.local;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.asl.Execution;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Every status change of an execution (RUNNING when it starts or is redriven, then SUCCEEDED, FAILED, TIMED_OUT or
 * ABORTED once its end is committed) as EventBridge's "Step Functions Execution Status Change" event, sent whole to
 * the catalog's execution-events queue, as an EventBridge rule with an SQS target delivers it in AWS. Sent in order,
 * off the engine's workers, though the queue (a standard one, as EventBridge's target is) does not keep that order
 * for its readers: two changes sent in one batch may be received either way round. Like EventBridge's, delivery is
 * best effort: a change this process committed but died before sending is not sent.
 */
final class LocalExecutionEvents {

    private static final Logger LOG = Logger.getLogger(LocalExecutionEvents.class);
    static final String DETAIL_TYPE = "Step Functions Execution Status Change";
    /**
     * The most of an execution's input and output an event carries, together: beyond it the output, then the input,
     * is left out ({@code included: false}), as EventBridge leaves out what exceeds its event size, so that every
     * event fits one SQS message.
     */
    static final int DATA_LIMIT = 200 * 1024;
    /** The most a SendMessageBatch carries, its entries' bodies together (SQS's limit is 256 KiB). */
    private static final int BATCH_LIMIT = 200 * 1024;

    private final SqsClient sqs;
    private final Supplier<String> queueUrl;
    private final ObjectMapper json;
    /** The change last sent of each execution in memory here: an end committed twice is announced once. */
    private final Map<String, String> announced = new ConcurrentHashMap<>();
    /** The events to send, in the order of their changes; one thread sends them, up to ten a request. */
    private final java.util.concurrent.BlockingQueue<String> outgoing = new java.util.concurrent.LinkedBlockingQueue<>();
    private final Thread sender = LocalStepFunctions.daemon(this::sendAll, "sfn-execution-events");
    private volatile boolean running = true;
    private volatile String url;
    private final boolean enabled;

    /**
     * Events sent to the queue {@code queueUrl} names (asked once, at the first event; none if it names none), unless
     * not {@code enabled} ({@code sagaline.local.sfn.execution-events=false}: then nothing is made or sent).
     */
    LocalExecutionEvents(SqsClient sqs, Supplier<String> queueUrl, ObjectMapper json, boolean enabled) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.json = json;
        this.enabled = enabled;
        if (enabled) {
            sender.start();
        }
    }

    /** The execution's status now, announced unless it was already (an EXPRESS execution's never is, as in AWS). */
    void changed(Execution execution) {
        if (!enabled || execution.arn().contains(":express:")) {
            return;
        }
        Execution.Status status = execution.status();
        int redriveCount = execution.redriveCount();
        String change = status + "/" + redriveCount;
        if (change.equals(announced.put(execution.arn(), change))) {
            return;
        }
        outgoing.add(event(execution, status, redriveCount));
    }

    /** The execution left memory here: its next change (a redrive elsewhere, read back) is announced afresh. */
    void forget(String executionArn) {
        announced.remove(executionArn);
    }

    private String event(Execution e, Execution.Status status, int redriveCount) {
        ObjectNode event = json.createObjectNode().put("version", "0").put("id", UUID.randomUUID().toString())
                .put("detail-type", DETAIL_TYPE).put("source", "aws.states").put("account", LocalStepFunctions.ACCOUNT)
                .put("time", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString())
                .put("region", LocalStepFunctions.REGION);
        event.putArray("resources").add(e.arn());
        ObjectNode detail = event.putObject("detail").put("executionArn", e.arn()).put("stateMachineArn", e.stateMachineArn())
                .put("name", e.name()).put("status", status.name()).put("startDate", e.startDate().toEpochMilli());
        boolean running = status == Execution.Status.RUNNING;
        Instant stop = running ? null : e.stopDate();
        if (stop == null) {
            detail.putNull("stopDate");
        } else {
            detail.put("stopDate", stop.toEpochMilli());
        }
        String input = e.input().toString();
        long inputBytes = bytes(input);
        boolean inputIncluded = inputBytes <= DATA_LIMIT;
        detail.put("input", inputIncluded ? input : null);
        detail.putObject("inputDetails").put("included", inputIncluded);
        if (status == Execution.Status.SUCCEEDED && e.output() != null) {
            String output = e.output().toString();
            boolean outputIncluded = (inputIncluded ? inputBytes : 0) + bytes(output) <= DATA_LIMIT;
            detail.put("output", outputIncluded ? output : null);
            detail.putObject("outputDetails").put("included", outputIncluded);
        } else {
            detail.putNull("output");
            detail.putNull("outputDetails");
        }
        detail.put("error", running ? null : e.error()).put("cause", running ? null : e.cause());
        detail.put("redriveCount", redriveCount);
        Instant redriven = e.redriveDate();
        if (redriven == null) {
            detail.putNull("redriveDate");
        } else {
            detail.put("redriveDate", redriven.toEpochMilli());
        }
        return event.toString();
    }

    /**
     * Sends what waits, as it comes: each SendMessageBatch takes the events there are, up to ten (SQS's limit), so that
     * a busy engine sends a tenth of the requests it would one by one (bench/README.md, EngineBenchmark).
     */
    private void sendAll() {
        java.util.List<String> batch = new java.util.ArrayList<>(10);
        while (running) {
            String first;
            try {
                first = outgoing.take();
            } catch (InterruptedException e) {
                return;
            }
            batch.add(first);
            long size = bytes(first);
            for (String next = outgoing.peek(); next != null && batch.size() < 10; next = outgoing.peek()) {
                long more = bytes(next);
                if (size + more > BATCH_LIMIT) {
                    break;
                }
                batch.add(outgoing.poll());
                size += more;
            }
            send(batch);
            batch.clear();
        }
    }

    private void send(java.util.List<String> events) {
        try {
            String to = url;
            if (to == null) {
                to = url = queueUrl.get();
            }
            if (to == null) {
                return;
            }
            String target = to;
            java.util.List<software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry> entries = new java.util.ArrayList<>();
            for (int i = 0; i < events.size(); i++) {
                entries.add(software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry.builder()
                        .id(Integer.toString(i)).messageBody(events.get(i)).build());
            }
            var sent = sqs.sendMessageBatch(r -> r.queueUrl(target).entries(entries));
            sent.failed().forEach(f -> LOG.warnf("an execution status change was not taken by its queue: %s %s", f.code(),
                    f.message()));
        } catch (RuntimeException e) {
            LOG.warnf("%d execution status changes could not be sent to their queue: %s", events.size(), e.getMessage());
        }
    }

    /** The length of {@code text} in UTF-8 (the engine's own count, which its payload limit uses). */
    private static long bytes(String text) {
        return io.sagaline.asl.StatesFailure.utf8Length(text);
    }

    void stop() {
        running = false;
        sender.interrupt();
    }
}
