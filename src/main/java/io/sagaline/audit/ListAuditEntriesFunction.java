package io.sagaline.audit;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import io.sagaline.platform.http.ApiException;
import io.sagaline.platform.http.HttpApi;
import io.sagaline.platform.http.HttpContract;
import io.sagaline.platform.http.HttpRequest;
import io.sagaline.platform.http.HttpResult;
import io.sagaline.platform.http.Instants;

/** HTTP {@code GET /audit}: the tenant's audit log, newest first, a page at a time. */
@HttpContract(response = AuditApi.EntryPage.class, query = { "resource: only the entries of this resource (customers/<id>)",
        "keyId: only what this API key did", "operation: only this operation (a function's name)",
        "since: only entries at or after this instant (ISO-8601)", "until: only entries before this instant (ISO-8601)",
        "limit: how many entries a page holds, 1-100 (50 if not given)", "nextToken: the nextToken of the previous page" })
@Named("list-audit-entries")
public class ListAuditEntriesFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    @Inject
    HttpApi http;
    @Inject
    AuditService audit;

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return http.handle(event, request -> HttpResult.ok(audit.list(request.actor(), query(request))));
    }

    private static AuditService.Query query(HttpRequest request) {
        var since = request.queryParameter("since").map(s -> Instants.parse("since", s));
        var until = request.queryParameter("until").map(u -> Instants.parse("until", u));
        if (since.isPresent() && until.isPresent() && !since.get().isBefore(until.get())) {
            throw ApiException.badRequest("until", "must be after since");
        }
        return new AuditService.Query(request.queryParameter("resource"), request.queryParameter("keyId"),
                request.queryParameter("operation"), since, until,
                request.limit(AuditService.DEFAULT_LIMIT, AuditService.MAX_LIMIT),
                request.queryParameter("nextToken").map(AuditService::before));
    }
}
