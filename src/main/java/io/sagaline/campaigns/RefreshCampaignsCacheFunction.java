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
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagaline.platform.messaging.Envelope;

/**
 * Queue consumer: CampaignsChanged -> the cached reads the change made stale (the tags it names)
 * get new generations, so that the next read of each loads what the change committed. Doing it twice is harmless, so it
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
                List<String> tags = invalidates(message);
                if (message.schemaVersion() < 2) {
                    // A version 1 message named the campaign only, not always its events' listing nor
                    // a deleted campaign's events: nothing cached from before it is trusted.
                    cache.invalidateEverything();
                }
                cache.invalidate(message.tenant(), tags);
                LOG.debugf("campaigns of tenant %s: new cache generations for %s (message %s)", message.tenant(), tags,
                        message.id());
            } catch (Exception e) {
                LOG.warnf("message %s not applied now: %s", record.getMessageId(), e.getMessage());
                failures.add(SQSBatchResponse.BatchItemFailure.builder().withItemIdentifier(record.getMessageId()).build());
            }
        }
        return SQSBatchResponse.builder().withBatchItemFailures(failures).build();
    }

    /**
     * The tags a change made stale: named by the message from version 2 on; for version 1 (which
     * named only the campaign and event it touched), theirs and both live listings.
     */
    static List<String> invalidates(Envelope message) {
        JsonNode payload = message.payload();
        if (message.schemaVersion() >= 2) {
            JsonNode tags = payload.path("invalidates");
            if (!tags.isArray()) {
                throw new IllegalArgumentException("a " + CampaignService.CHANGED + " message of version "
                        + message.schemaVersion() + " needs an invalidates array");
            }
            List<String> all = new ArrayList<>();
            tags.forEach(tag -> all.add(tag.asText()));
            return all;
        }
        List<String> all = new ArrayList<>(List.of(CampaignService.LIVE_CAMPAIGNS, CampaignService.LIVE_EVENTS));
        if (payload.hasNonNull("campaignEventId")) {
            String campaign = payload.get("campaignEventId").asText();
            all.addAll(List.of(CampaignService.campaignTag(campaign), CampaignService.eventsOfTag(campaign)));
        }
        if (payload.hasNonNull("eventId")) {
            all.add(CampaignService.eventTag(payload.get("eventId").asText()));
        }
        return all;
    }
}
