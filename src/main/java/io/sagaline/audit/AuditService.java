package io.sagaline.audit;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagaline.audit.AuditApi.Entry;
import io.sagaline.audit.AuditApi.EntryPage;
import io.sagaline.platform.Reactive;
import io.sagaline.platform.Sql;
import io.sagaline.platform.audit.AuditChain;
import io.sagaline.platform.audit.AuditLog;
import io.sagaline.platform.http.ApiException;

/**
 * Reads the audit log: a tenant's entries, newest first, filtered by resource, key, operation and
 * time ({@code GET /audit}); and checks its chains ({@code verify-audit-log}). Reading the log is
 * itself recorded, in the transaction that reads.
 */
@ApplicationScoped
public class AuditService {

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 100;
    private static final int VERIFY_PAGE = 1000;
    private static final int MAX_PROBLEMS = 20;
    private static final String COLUMNS = "id, chain_seq, occurred_at, actor, key_id, operation, resource, outcome, request_id,"
            + " encode(prev_hash, 'hex'), encode(hash, 'hex')";

    /** What a page of {@code GET /audit} asks for; empty fields filter nothing. */
    public record Query(Optional<String> resource, Optional<String> keyId, Optional<String> operation,
            Optional<Instant> since, Optional<Instant> until, int limit, Optional<Long> before) {
    }

    private final AuditLog audit;

    AuditService(AuditLog audit) {
        this.audit = audit;
    }

    public EntryPage list(AuditLog.Actor reader, Query query) {
        StringBuilder sql = new StringBuilder("select " + COLUMNS + " from audit.entries where tenant = ?1");
        List<Object> params = new ArrayList<>(List.of(reader.tenant()));
        query.resource().ifPresent(r -> where(sql, params, "resource = ", r));
        query.keyId().ifPresent(k -> where(sql, params, "key_id = ", k));
        query.operation().ifPresent(o -> where(sql, params, "operation = ", o));
        query.since().ifPresent(s -> where(sql, params, "occurred_at >= ", s.atOffset(ZoneOffset.UTC)));
        query.until().ifPresent(u -> where(sql, params, "occurred_at < ", u.atOffset(ZoneOffset.UTC)));
        query.before().ifPresent(b -> where(sql, params, "id < ", b));
        sql.append(" order by id desc limit ").append(query.limit() + 1);
        List<Object[]> rows = Reactive.inTransaction(() -> Sql.rows(sql.toString(), params.toArray())
                .call(() -> audit.record(reader, "list-audit-entries", "audit", AuditLog.Outcome.SUCCEEDED)));
        List<Entry> items = rows.stream().limit(query.limit()).map(AuditService::entry).toList();
        String next = rows.size() > query.limit() ? token(items.get(items.size() - 1).entryId()) : null;
        return new EntryPage(items, next);
    }

    /** Whether each chain (one tenant's, or every tenant's) is whole: every entry as written, none missing. */
    public Verification verify(Optional<String> tenant) {
        List<String> tenants = tenant.map(List::of).orElseGet(() -> Reactive.inTransaction(
                () -> Sql.rows("select tenant from audit.chain_heads order by tenant")).stream().map(r -> (String) r[0])
                .toList());
        List<Verification.Chain> chains = tenants.stream().map(this::verifyChain).toList();
        return new Verification(chains.stream().allMatch(Verification.Chain::intact), chains);
    }

    /** The verdict of verify-audit-log: per tenant, how many entries were checked and what is wrong. */
    public record Verification(boolean intact, List<Chain> chains) {

        public record Chain(String tenant, long entries, boolean intact, String lastHash, List<String> problems) {
        }
    }

    /**
     * One tenant's chain, up to its head as it was when the check began: entries appended while it
     * runs are the next check's, so a live system is not reported as tampered with.
     */
    private Verification.Chain verifyChain(String tenant) {
        List<Object[]> head = Reactive.inTransaction(() -> Sql.rows(
                "select last_seq, encode(last_hash, 'hex') from audit.chain_heads where tenant = ?1", tenant));
        long headSeq = head.isEmpty() ? 0 : ((Number) head.get(0)[0]).longValue();
        List<String> problems = new ArrayList<>();
        byte[] previous = AuditChain.GENESIS;
        long expectedSeq = 1;
        long checked = 0;
        long after = 0;
        List<Object[]> page;
        do {
            long from = after;
            page = Reactive.inTransaction(() -> Sql.rows("select " + COLUMNS
                    + " from audit.entries where tenant = ?1 and chain_seq > ?2 and chain_seq <= ?3 order by chain_seq limit "
                    + VERIFY_PAGE, tenant, from, headSeq));
            for (Object[] row : page) {
                Entry e = entry(row);
                if (e.sequence() != expectedSeq) {
                    problem(problems,
                            "entries " + expectedSeq + (e.sequence() - 1 > expectedSeq ? "-" + (e.sequence() - 1) : "")
                                    + " are missing (entry " + e.entryId() + " is number " + e.sequence() + ")");
                }
                byte[] prev = HexFormat.of().parseHex(e.prevHash());
                if (!java.security.MessageDigest.isEqual(prev, previous)) {
                    problem(problems, "entry " + e.entryId() + " (number " + e.sequence()
                            + ") does not follow the entry before it: an entry before it was removed or changed");
                }
                byte[] computed = AuditChain.hash(prev, new AuditChain.Fields(tenant, e.sequence(), e.occurredAt(), e.actor(),
                        e.keyId(), e.operation(), e.resource(), e.outcome(), e.requestId()));
                if (!HexFormat.of().formatHex(computed).equals(e.hash())) {
                    problem(problems,
                            "entry " + e.entryId() + " (number " + e.sequence() + ") was changed after it was written");
                }
                previous = HexFormat.of().parseHex(e.hash());
                expectedSeq = e.sequence() + 1;
                after = e.sequence();
                checked++;
            }
        } while (page.size() == VERIFY_PAGE);
        String last = HexFormat.of().formatHex(previous);
        boolean entriesBeyond = head.isEmpty() && !Reactive.inTransaction(() -> Sql.rows(
                "select 1 from audit.entries where tenant = ?1 limit 1", tenant)).isEmpty();
        if (head.isEmpty()) {
            if (entriesBeyond) {
                problem(problems, "the chain's head is missing");
            }
        } else if (headSeq != expectedSeq - 1 || !head.get(0)[1].equals(last)) {
            problem(problems, "the chain ends at number " + (expectedSeq - 1) + " but its head is number " + head.get(0)[0]
                    + ": its last entries were removed, or the head was changed");
        }
        return new Verification.Chain(tenant, checked, problems.isEmpty(), last, List.copyOf(problems));
    }

    private static void problem(List<String> problems, String problem) {
        if (problems.size() < MAX_PROBLEMS) {
            problems.add(problem);
        }
    }

    private static void where(StringBuilder sql, List<Object> params, String predicate, Object value) {
        params.add(value);
        sql.append(" and ").append(predicate).append('?').append(params.size());
    }

    private static Entry entry(Object[] r) {
        return new Entry(((Number) r[0]).longValue(), ((Number) r[1]).longValue(), Sql.instant(r[2]), (String) r[3],
                (String) r[4], (String) r[5], (String) r[6], (String) r[7], (String) r[8], (String) r[9], (String) r[10]);
    }

    static String token(long entryId) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("1:" + entryId).getBytes(StandardCharsets.UTF_8));
    }

    static long before(String token) {
        try {
            String plain = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (plain.startsWith("1:")) {
                long id = Long.parseLong(plain.substring(2));
                if (id > 0 && plain.equals("1:" + id)) {
                    return id;
                }
            }
        } catch (IllegalArgumentException e) {
            // refused below
        }
        throw ApiException.badRequest("nextToken",
                "is not a token a listing gave; send the nextToken of the previous page as it was");
    }
}
