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

/** HTTP {@code DELETE /events/{eventId}}: 204 (If-Match: 412 if it changed). */
@HttpContract(response = Void.class, status = 204, headers = "if-match: the ETag the resource had when read; 412 if it has changed since (* for any)")
@Named("delete-event")
public class DeleteEventFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApi http;
    @Inject
    CampaignService campaigns;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            campaigns.deleteEvent(request.tenant(), request.pathParameter("eventId"), request.header("if-match"));
            return HttpResult.noContent();
        });
    }
}
