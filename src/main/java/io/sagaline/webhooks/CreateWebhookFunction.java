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

/** HTTP {@code POST /webhooks}: subscribes the tenant's URL to events; the answer shows the signing secret, once. */
@HttpContract(request = WebhookApi.CreateWebhook.class, response = WebhookApi.Webhook.class, status = 201)
@Named("create-webhook")
public class CreateWebhookFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApi http;
    @Inject
    WebhookService webhooks;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            var created = webhooks.create(request.tenant(), request.body(WebhookApi.CreateWebhook.class));
            return HttpResult.created("/webhooks/" + created.webhookId(), created);
        });
    }
}
