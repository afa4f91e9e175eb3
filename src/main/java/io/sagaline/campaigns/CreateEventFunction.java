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

/** HTTP {@code POST /events}: an event inside its campaign's window; 201 with its {@code Location}. */
@HttpContract(request = CampaignApi.WriteEvent.class, response = CampaignApi.EventView.class, status = 201)
@Named("create-event")
public class CreateEventFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApi http;
    @Inject
    CampaignService campaigns;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            var created = campaigns.createEvent(request.tenant(), request.body(CampaignApi.WriteEvent.class));
            return HttpResult.created("/events/" + created.eventId(), created).withETag();
        });
    }
}
