package io.sagaline.webhooks;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import io.sagaline.platform.http.HttpApi;
import io.sagaline.platform.http.HttpContract;
import io.sagaline.platform.http.HttpResult;

/** HTTP {@code POST /webhooks/{webhookId}/deliveries/{deliveryId}/replay}: sends a delivery again (its retries start over). */
@HttpContract(response = WebhookApi.Delivery.class, status = 202)
@Named("replay-webhook-delivery")
public class ReplayWebhookDeliveryFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApi http;
    @Inject
    WebhookService webhooks;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            String id = request.pathParameter("webhookId");
            var replayed = webhooks.replay(request.tenant(), id, request.pathParameter("deliveryId"));
            return HttpResult.accepted("/webhooks/" + id + "/deliveries", replayed);
        });
    }
}
