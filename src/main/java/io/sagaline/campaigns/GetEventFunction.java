package io.sagaline.campaigns;

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

/** HTTP {@code GET /events/{eventId}}: the event, with its ETag (304 for If-None-Match). */
@HttpContract(response = CampaignApi.EventView.class, headers = "if-none-match: an ETag this resource had; 304 with no body if it still has it")
@Named("get-event")
public class GetEventFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApi http;
    @Inject
    CampaignService campaigns;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            String id = request.pathParameter("eventId");
            return HttpResult
                    .ok(campaigns.findEvent(request.tenant(), id).orElseThrow(() -> ApiException.notFound("event", id)))
                    .withETag()
                    .withHeader("x-cache", CampaignCache.lastTier());
        });
    }
}
