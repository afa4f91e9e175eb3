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

/** HTTP {@code POST /campaign-events}: creates a campaign with its window; 201 with its {@code Location}. */
@HttpContract(request = CampaignApi.WriteCampaign.class, response = CampaignApi.CampaignView.class, status = 201)
@Named("create-campaign-event")
public class CreateCampaignEventFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApi http;
    @Inject
    CampaignService campaigns;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            var created = campaigns.create(request.tenant(), request.body(CampaignApi.WriteCampaign.class));
            return HttpResult.created("/campaign-events/" + created.campaignEventId(), created).withETag();
        });
    }
}
