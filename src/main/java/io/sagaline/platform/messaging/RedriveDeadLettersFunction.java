package io.sagaline.platform.messaging;

import java.util.List;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import org.jboss.logging.Logger;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

import io.sagaline.platform.Catalog;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * An operator's command: moves the messages of a queue's dead-letter queue back to the queue, body
 * and attributes unchanged (so consumers still know them by their envelope id), each deleted from
 * the dead-letter queue only once it is sent. {@code {"queue": "<catalog queue>", "maxMessages": n}}.
 */
@Named("redrive-dead-letters")
public class RedriveDeadLettersFunction
        implements RequestHandler<RedriveDeadLettersFunction.Request, RedriveDeadLettersFunction.Redriven> {

    private static final Logger LOG = Logger.getLogger(RedriveDeadLettersFunction.class);

    public record Request(String queue, Integer maxMessages) {
    }

    public record Redriven(String queue, String deadLetterQueue, int moved) {
    }

    @Inject
    Queues queues;
    @Inject
    SqsClient sqs;

    @Override
    public Redriven handleRequest(Request request, Context context) {
        if (request == null || request.queue() == null) {
            throw new IllegalArgumentException("name the queue: {\"queue\": \"<name>\"}");
        }
        Catalog.Queue queue = queues.catalog().queue(request.queue())
                .orElseThrow(() -> new IllegalArgumentException("no queue " + request.queue() + " in the catalog"));
        int max = request.maxMessages() == null ? Integer.MAX_VALUE : request.maxMessages();
        String from = queues.url(queue.deadLetterQueue());
        String to = queues.url(queue.name());
        int moved = 0;
        while (moved < max && context.getRemainingTimeInMillis() > 5000) {
            int take = Math.min(10, max - moved);
            List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(from).maxNumberOfMessages(take).waitTimeSeconds(0)
                    .visibilityTimeout(60).messageAttributeNames("All")
                    .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
            if (messages.isEmpty()) {
                break;
            }
            for (Message m : messages) {
                sqs.sendMessage(r -> r.queueUrl(to).messageBody(m.body()).messageAttributes(m.messageAttributes()));
                sqs.deleteMessage(r -> r.queueUrl(from).receiptHandle(m.receiptHandle()));
                moved++;
            }
        }
        LOG.infof("redrove %d messages from %s to %s", moved, queue.deadLetterQueue(), queue.name());
        return new Redriven(queue.name(), queue.deadLetterQueue(), moved);
    }
}
