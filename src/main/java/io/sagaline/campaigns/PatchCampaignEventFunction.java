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

/** HTTP {@code PATCH /campaign-events/{campaignEventId}}: a JSON Merge Patch of the campaign (If-Match: 412 if it changed). */
@HttpContract(request = CampaignApi.WriteCampaign.class, response = CampaignApi.CampaignView.class, headers = "if-match: the ETag the resource had when read; 412 if it has changed since (* for any)")
@Named("patch-campaign-event")
public class PatchCampaignEventFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApi http;
    @Inject
    CampaignService campaigns;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            var patch = request.mergePatch();
            return HttpResult.ok(campaigns.change(request.tenant(), request.pathParameter("campaignEventId"),
                    request.header("if-match"), current -> patch.applyTo(current, CampaignApi.WriteCampaign.class))).withETag();
        });
    }
}
