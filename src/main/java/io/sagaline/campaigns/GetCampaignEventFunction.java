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

/** HTTP {@code GET /campaign-events/{campaignEventId}}: the campaign, with its ETag (304 for If-None-Match). */
@HttpContract(response = CampaignApi.CampaignView.class, headers = "if-none-match: an ETag this resource had; 304 with no body if it still has it")
@Named("get-campaign-event")
public class GetCampaignEventFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApi http;
    @Inject
    CampaignService campaigns;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            String id = request.pathParameter("campaignEventId");
            return HttpResult
                    .ok(campaigns.find(request.tenant(), id).orElseThrow(() -> ApiException.notFound("campaign event", id)))
                    .withETag()
                    .withHeader("x-cache", CampaignCache.lastTier());
        });
    }
}
