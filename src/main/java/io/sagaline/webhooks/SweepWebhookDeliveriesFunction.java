package io.sagaline.webhooks;

import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

/**
 * Scheduled: wakes the webhook deliveries whose cue was lost (due for over ten minutes, or claimed by a deliverer that died).
 */
@Named("sweep-webhook-deliveries")
public class SweepWebhookDeliveriesFunction implements RequestHandler<Map<String, Object>, Map<String, Object>> {

    static final Duration GRACE = Duration.ofMinutes(10);

    @Inject
    WebhookDeliveries deliveries;

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        return Map.of("woken", deliveries.sweep(GRACE));
    }
}
