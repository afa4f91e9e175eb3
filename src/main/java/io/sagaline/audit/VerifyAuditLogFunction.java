package io.sagaline.audit;

import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * An auditor's command (README, "Security"): {@code {"tenant"?}} -> whether that tenant's audit
 * chain (or every tenant's) is whole, and what is wrong where it is not.
 */
@Named("verify-audit-log")
public class VerifyAuditLogFunction implements RequestHandler<JsonNode, AuditService.Verification> {

    @Inject
    AuditService audit;

    @Override
    public AuditService.Verification handleRequest(JsonNode command, Context context) {
        JsonNode tenant = command == null ? null : command.get("tenant");
        return audit.verify(tenant != null && tenant.isTextual() ? Optional.of(tenant.asText()) : Optional.empty());
    }
}
