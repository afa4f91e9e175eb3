package io.sagaline.access;

import java.util.Map;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2CustomAuthorizerEvent;

import io.sagaline.platform.Catalog;

/**
 * API Gateway's Lambda authorizer (REQUEST, payload 2.0, simple responses): who the request's
 * {@code x-api-key} is. API Gateway keeps the answer for the catalog's {@code resultTtlSeconds}
 * per key, so a key is looked up about once a minute per API, not once per request.
 */
@Named("authorize-api-key")
public class AuthorizeApiKeyFunction implements RequestHandler<APIGatewayV2CustomAuthorizerEvent, Map<String, Object>> {

    @Inject
    ApiKeyAuthorizer authorizer;
    @Inject
    Catalog catalog;

    @Override
    public Map<String, Object> handleRequest(APIGatewayV2CustomAuthorizerEvent event, Context context) {
        return authorizer.decide(io.sagaline.platform.http.HttpApi.header(event.getHeaders(), catalog.authorizer().header()));
    }
}
