package io.sagaline.campaigns;

import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import org.jboss.logging.Logger;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagaline.platform.messaging.Envelope;

/**
 * Queue consumer: CampaignsChanged -> the tenant's cached campaign reads get a new generation, so
 * that the next read of each loads what the change committed. Doing it twice is harmless, so it
 * keeps no inbox; a message whose invalidation fails (Redis away) comes back, and is retried until
 * it succeeds or goes to the dead-letter queue.
 */
@Named("refresh-campaigns-cache")
public class RefreshCampaignsCacheFunction implements RequestHandler<SQSEvent, SQSBatchResponse> {

    private static final Logger LOG = Logger.getLogger(RefreshCampaignsCacheFunction.class);

    @Inject
    CampaignCache cache;
    @Inject
    ObjectMapper json;

    @Override
    public SQSBatchResponse handleRequest(SQSEvent batch, Context context) {
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        for (SQSEvent.SQSMessage record : batch.getRecords()) {
            try {
                Envelope message = json.readValue(record.getBody(), Envelope.class);
                if (!CampaignService.CHANGED.equals(message.type())) {
                    throw new IllegalArgumentException("refresh-campaigns-cache takes " + CampaignService.CHANGED + ", not "
                            + message.type());
                }
                cache.invalidate(message.tenant());
                LOG.debugf("campaigns of tenant %s: a new cache generation (message %s)", message.tenant(), message.id());
            } catch (Exception e) {
                LOG.warnf("message %s not applied now: %s", record.getMessageId(), e.getMessage());
                failures.add(SQSBatchResponse.BatchItemFailure.builder().withItemIdentifier(record.getMessageId()).build());
            }
        }
        return SQSBatchResponse.builder().withBatchItemFailures(failures).build();
    }
}
