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

/**
 * HTTP {@code PUT /events/{eventId}}: the event as the body says, in the window of the campaign it names (If-Match: 412 if it
 * changed).
 */
@HttpContract(request = CampaignApi.WriteEvent.class, response = CampaignApi.EventView.class, headers = "if-match: the ETag the resource had when read; 412 if it has changed since (* for any)")
@Named("replace-event")
public class ReplaceEventFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApi http;
    @Inject
    CampaignService campaigns;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            var body = request.body(CampaignApi.WriteEvent.class);
            return HttpResult.ok(campaigns.replaceEvent(request.tenant(), request.pathParameter("eventId"),
                    request.header("if-match"), body)).withETag();
        });
    }
}
