package io.sagaline.campaigns;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import io.sagaline.platform.http.HttpApi;
import io.sagaline.platform.http.HttpContract;
import io.sagaline.platform.http.HttpResult;
import io.sagaline.platform.http.Paging;

/** HTTP {@code GET /campaign-events/live}: the campaigns whose window contains now, a page at a time. */
@HttpContract(response = CampaignApi.CampaignPage.class, query = {
        "limit: how many items a page holds, 1-100 (50 if not given)",
        "nextToken: the nextToken of the previous page" }, headers = "if-none-match: an ETag this resource had; 304 with no body if it still has it")
@Named("list-live-campaign-events")
public class ListLiveCampaignEventsFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApi http;
    @Inject
    CampaignService campaigns;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            return HttpResult.ok(campaigns.live(request.tenant(), Paging.of(request))).withETag()
                    .withHeader("x-cache", CampaignCache.lastTier());
        });
    }
}
