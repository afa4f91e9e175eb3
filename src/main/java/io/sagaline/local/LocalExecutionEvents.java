package io.sagaline.local;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * off the engine's workers; like EventBridge's, delivery is best effort: a change this process committed but died
 * before sending is not sent.
 */
final class LocalExecutionEvents {

    private static final Logger LOG = Logger.getLogger(LocalExecutionEvents.class);
    static final String DETAIL_TYPE = "Step Functions Execution Status Change";

    private final SqsClient sqs;
    private final Supplier<String> queueUrl;
    private final ObjectMapper json;
    /** The change last sent of each execution in memory here: an end committed twice is announced once. */
    private final Map<String, String> announced = new ConcurrentHashMap<>();
    private final ExecutorService sender = Executors
            .newSingleThreadExecutor(r -> LocalStepFunctions.daemon(r, "sfn-execution-events"));
    private volatile String url;

    /** Events sent to the queue {@code queueUrl} names (asked once, at the first event); none if it names none. */
    LocalExecutionEvents(SqsClient sqs, Supplier<String> queueUrl, ObjectMapper json) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.json = json;
    }

    /** The execution's status now, announced unless it was already (an EXPRESS execution's never is, as in AWS). */
    void changed(Execution execution) {
        if (execution.arn().contains(":express:")) {
            return;
        }
        Execution.Status status = execution.status();
        int redriveCount = execution.redriveCount();
        String change = status + "/" + redriveCount;
        if (change.equals(announced.put(execution.arn(), change))) {
            return;
        }
        String event = event(execution, status, redriveCount);
        sender.execute(() -> send(execution.arn(), event));
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
        detail.put("input", e.input().toString());
        detail.putObject("inputDetails").put("included", true);
        if (status == Execution.Status.SUCCEEDED && e.output() != null) {
            detail.put("output", e.output().toString());
            detail.putObject("outputDetails").put("included", true);
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

    private void send(String executionArn, String event) {
        try {
            String to = url;
            if (to == null) {
                to = url = queueUrl.get();
            }
            if (to != null) {
                String target = to;
                sqs.sendMessage(r -> r.queueUrl(target).messageBody(event));
            }
        } catch (RuntimeException e) {
            LOG.warnf("the status change of %s could not be sent to the execution events' queue: %s", executionArn,
                    e.getMessage());
        }
    }

    void stop() {
        sender.shutdown();
    }
}
