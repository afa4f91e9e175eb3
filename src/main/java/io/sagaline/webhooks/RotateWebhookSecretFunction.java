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

/**
 * HTTP {@code POST /webhooks/{webhookId}/rotate-secret}: a new signing secret, shown once; the old one signs too for the
 * overlap asked for (0-604800 s, 86400 if not given).
 */
@HttpContract(request = WebhookApi.RotateSecret.class, response = WebhookApi.Webhook.class)
@Named("rotate-webhook-secret")
public class RotateWebhookSecretFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApi http;
    @Inject
    WebhookService webhooks;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            var body = request.body(WebhookApi.RotateSecret.class);
            var overlap = body.overlapSeconds() == null ? WebhookService.DEFAULT_OVERLAP
                    : java.time.Duration.ofSeconds(body.overlapSeconds());
            return HttpResult.ok(webhooks.rotate(request.tenant(), request.pathParameter("webhookId"), overlap));
        });
    }
}
