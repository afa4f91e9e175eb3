package io.sagaline.audit;

import java.time.Instant;
import java.util.List;

/** The audit part of the HTTP contract. */
public final class AuditApi {

    private AuditApi() {
    }

    /**
     * One entry: who ({@code actor}: {@code api-key} with its {@code keyId}, or {@code operator}),
     * what ({@code operation}, the function's name, on {@code resource}), when, how it ended, the
     * request's id, and its place in the tenant's chain with the hashes that tie it there.
     */
    public record Entry(long entryId, long sequence, Instant occurredAt, String actor, String keyId, String operation,
            String resource, String outcome, String requestId, String prevHash, String hash) {
    }

    public record EntryPage(List<Entry> items, String nextToken) {
    }
}
