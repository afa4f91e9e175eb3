package io.sagaline.platform.crypto;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagaline.platform.Reactive;
import io.sagaline.platform.Sql;
import io.smallrye.mutiny.Uni;

/**
 * The wrapped data keys of a service, in its own schema's {@code data_keys} (one per tenant and
 * subject): written in the transaction that stores what they seal, deleted to erase (crypto-shred)
 * a subject. The key of subject {@value #INDEX} is the tenant's blind-index key.
 */
@ApplicationScoped
public class DataKeyStore {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(DataKeyStore.class);

    public static final String INDEX = "blind-index";
    static final java.util.HexFormat HEX = java.util.HexFormat.of();

    /** A stored data key: wrapped, and under which master key. */
    public record Stored(byte[] wrapped, String masterKeyId) {
    }

    private final PersonalData personalData;
    private final com.github.benmanes.caffeine.cache.Cache<String, PersonalData.Key> indexKeys = com.github.benmanes.caffeine.cache.Caffeine
            .newBuilder().maximumSize(1_000).expireAfterWrite(java.time.Duration.ofMinutes(PersonalData.CACHE_MINUTES)).build();

    DataKeyStore(PersonalData personalData) {
        this.personalData = personalData;
    }

    /** Stores {@code key} in the current transaction (nothing if the subject has one: its own stays). */
    public Uni<Integer> add(PersonalData.Key key) {
        PersonalData.Subject s = key.subject();
        return Sql.execute("insert into " + Sql.table(s.service(), "data_keys")
                + " (tenant, subject, wrapped_key, master_key_id, created_at) values (?1, ?2, decode(?3, 'hex'), ?4, ?5)"
                + " on conflict (tenant, subject) do nothing", s.tenant(), s.subject(), HEX.formatHex(key.wrapped()),
                key.masterKeyId(),
                OffsetDateTime.now(ZoneOffset.UTC));
    }

    /** The subject's stored key, in the current transaction. */
    public Uni<Optional<Stored>> find(PersonalData.Subject s) {
        return Sql.rows("select encode(wrapped_key, 'hex'), master_key_id from " + Sql.table(s.service(), "data_keys")
                + " where tenant = ?1 and subject = ?2", s.tenant(), s.subject())
                .map(rows -> rows.isEmpty() ? Optional.empty()
                        : Optional.of(new Stored(HEX.parseHex((String) rows.get(0)[0]), (String) rows.get(0)[1])));
    }

    /** Deletes the subject's key in the current transaction: what it sealed no longer opens, anywhere it was copied. */
    public Uni<Integer> shred(PersonalData.Subject s) {
        return Sql.execute("delete from " + Sql.table(s.service(), "data_keys") + " where tenant = ?1 and subject = ?2",
                s.tenant(), s.subject());
    }

    /**
     * The subject's key, made and stored (in a transaction of its own) if it has none yet. Blocks: call it outside a
     * transaction.
     */
    public PersonalData.Key keyOf(PersonalData.Subject s) {
        Optional<Stored> stored = Reactive.inTransaction(() -> find(s));
        if (stored.isEmpty()) {
            PersonalData.Key made = personalData.newKey(s);
            stored = Reactive.inTransaction(() -> add(made).chain(() -> find(s)));
        }
        return personalData.key(s, stored.get().wrapped(), stored.get().masterKeyId());
    }

    /** The subject's key if it has one (an erased subject has none): for reading what it sealed, never making one. */
    public Optional<PersonalData.Key> existing(PersonalData.Subject s) {
        return Reactive.inTransaction(() -> find(s)).map(k -> personalData.key(s, k.wrapped(), k.masterKeyId()));
    }

    /** How many of {@code service}'s keys are still wrapped by a master key other than the current one. */
    public long stale(String service) {
        return ((Number) Reactive.inTransaction(() -> Sql.rows("select count(*) from " + Sql.table(service, "data_keys")
                + " where master_key_id <> ?1", personalData.master().currentId())).get(0)[0]).longValue();
    }

    /** The tenant's blind-index key of {@code service} (kept in memory as unwrapped keys are). */
    public PersonalData.Key indexKey(String service, String tenant) {
        return indexKeys.get(service + '\0' + tenant, k -> keyOf(new PersonalData.Subject(service, tenant, INDEX)));
    }

    /**
     * Re-wraps every key of {@code service} that another master key wrapped under the current one,
     * {@code page} at a time (the rotation: the data they seal is untouched, it is their key that changes);
     * yields how many.
     */
    public int rewrap(String service, int page) {
        String current = personalData.master().currentId();
        String table = Sql.table(service, "data_keys");
        int done = 0;
        String after = "";
        List<Object[]> stale;
        do {
            String from = after;
            stale = Reactive.inTransaction(() -> Sql.rows("select tenant, subject, encode(wrapped_key, 'hex'), master_key_id,"
                    + " tenant || '/' || subject from " + table + " where master_key_id <> ?1 and tenant || '/' || subject > ?2"
                    + " order by tenant || '/' || subject limit " + page, current, from));
            for (Object[] row : stale) {
                after = (String) row[4];
                done += rewrap(service, table, row);
            }
        } while (stale.size() == page);
        return done;
    }

    /** One stale key, re-wrapped; one that does not unwrap is logged and left, and the run goes on with the others. */
    private int rewrap(String service, String table, Object[] row) {
        PersonalData.Subject s = new PersonalData.Subject(service, (String) row[0], (String) row[1]);
        PersonalData.Key again;
        try {
            again = personalData.rewrapped(personalData.key(s, HEX.parseHex((String) row[2]), (String) row[3]));
        } catch (RuntimeException e) {
            LOG.errorf("%s's data key of subject %s (tenant %s) is not re-wrapped: %s", service, s.subject(), s.tenant(),
                    e.getMessage());
            return 0;
        }
        // only if no one changed it meanwhile (another rotation, an erasure)
        return Reactive.inTransaction(() -> Sql.execute("update " + table
                + " set wrapped_key = decode(?1, 'hex'), master_key_id = ?2, rewrapped_at = ?3"
                + " where tenant = ?4 and subject = ?5 and wrapped_key = decode(?6, 'hex')", HEX.formatHex(again.wrapped()),
                again.masterKeyId(), OffsetDateTime.now(ZoneOffset.UTC), s.tenant(), s.subject(), row[2]));
    }
}
