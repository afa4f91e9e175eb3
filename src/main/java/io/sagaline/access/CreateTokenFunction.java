package io.sagaline.access;

import java.util.List;
import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.inject.Named;
import jakarta.validation.constraints.NotNull;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import io.sagaline.platform.http.HttpApi;
import io.sagaline.platform.http.HttpContract;
import io.sagaline.platform.http.HttpResult;

/** HTTP {@code POST /tokens}: the key exchanged for a short-lived token with some of its scopes. */
@HttpContract(request = CreateTokenFunction.CreateToken.class, response = Tokens.Issued.class, status = 201)
@Named("create-token")
public class CreateTokenFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    /** The scopes the token carries (some of the key's), and how long it lives (60-3600 s, 900 if not given). */
    public record CreateToken(@NotNull List<String> scopes, Long expiresInSeconds) {
    }

    @Inject
    HttpApi http;
    @Inject
    Tokens tokens;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> {
            CreateToken body = request.body(CreateToken.class);
            var issued = tokens.exchange(request.principal(), request.actor(), body.scopes(),
                    Optional.ofNullable(body.expiresInSeconds()));
            return HttpResult.created("/tokens/" + issued.tokenId(), issued);
        });
    }
}
