package io.sagaline.webhooks;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import io.sagaline.platform.http.ApiException;
import io.sagaline.platform.http.HttpApi;
import io.sagaline.platform.http.HttpContract;
import io.sagaline.platform.http.HttpResult;
import io.sagaline.platform.http.Paging;

/**
 * HTTP {@code GET /webhooks/{webhookId}/deliveries}: what was sent to the subscription, newest first, each with its attempts.
 */
@HttpContract(response = WebhookApi.Deliveries.class, query = {
        "limit: 1-100 deliveries a page (50 if not given)", "nextToken: the page after the one that gave it" })
@Named("list-webhook-deliveries")
public class ListWebhookDeliveriesFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApi http;
    @Inject
    WebhookService webhooks;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            String id = request.pathParameter("webhookId");
            return HttpResult.ok(webhooks.deliveries(request.tenant(), id, Paging.of(request))
                    .orElseThrow(() -> ApiException.notFound("webhook", id)));
        });
    }
}
