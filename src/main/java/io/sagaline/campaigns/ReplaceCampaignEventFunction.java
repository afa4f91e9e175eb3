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

/** HTTP {@code PUT /campaign-events/{campaignEventId}}: the campaign as the body says (If-Match: 412 if it changed). */
@HttpContract(request = CampaignApi.WriteCampaign.class, response = CampaignApi.CampaignView.class, headers = "if-match: the ETag the resource had when read; 412 if it has changed since (* for any)")
@Named("replace-campaign-event")
public class ReplaceCampaignEventFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApi http;
    @Inject
    CampaignService campaigns;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            var body = request.body(CampaignApi.WriteCampaign.class);
            return HttpResult.ok(campaigns.replace(request.tenant(), request.pathParameter("campaignEventId"),
                    request.header("if-match"), body)).withETag();
        });
    }
}
