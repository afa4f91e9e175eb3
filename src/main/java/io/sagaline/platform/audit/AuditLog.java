package io.sagaline.platform.audit;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagaline.platform.Reactive;
import io.sagaline.platform.Sql;
import io.smallrye.mutiny.Uni;

/**
 * Appends to the audit log ({@code audit.entries}): who did what to which resource, and how it
 * ended. {@link #record} writes in the caller's transaction, so that an entry commits exactly when the
 * change (or the read) it records does; the database chains it to the tenant's entries before it
 * and sets its time. Entries hold ids, never personal data.
 */
@ApplicationScoped
public class AuditLog {

    /** How an audited operation ended. */
    public enum Outcome {
        SUCCEEDED,
        NOT_FOUND,
        DENIED,
        FAILED
    }

    /**
     * Who did it: an API key ({@code keyId}) of {@code tenant}, an operator's command or the system,
     * and the request's id (API Gateway's, or the Lambda invocation's for a command).
     */
    public record Actor(String tenant, String kind, String keyId, String requestId) {

        public static Actor apiKey(String tenant, String keyId, String requestId) {
            return new Actor(tenant, "api-key", keyId, requestId);
        }

        public static Actor operator(String tenant, String requestId) {
            return new Actor(tenant, "operator", null, requestId);
        }
    }

    private static final int RESOURCE = 256;
    private static final int REQUEST_ID = 128;

    /** Appends an entry in the current transaction. */
    public Uni<Void> record(Actor actor, String operation, String resource, Outcome outcome) {
        return Sql.execute("""
                insert into audit.entries (tenant, actor, key_id, operation, resource, outcome, request_id)
                values (?1, ?2, ?3, ?4, ?5, ?6, ?7)""",
                actor.tenant(), actor.kind(), actor.keyId(), operation, cut(resource, RESOURCE), outcome.name(),
                cut(actor.requestId(), REQUEST_ID)).replaceWithVoid();
    }

    /** Appends an entry in a transaction of its own: for what changed nothing (a refusal). */
    public void recordAlone(Actor actor, String operation, String resource, Outcome outcome) {
        Reactive.inTransaction(() -> record(actor, operation, resource, outcome));
    }

    private static String cut(String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max);
    }
}
