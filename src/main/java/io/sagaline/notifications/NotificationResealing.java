package io.sagaline.notifications;

import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagaline.platform.Reactive;
import io.sagaline.platform.Sql;
import io.sagaline.platform.crypto.DataKeyStore;
import io.sagaline.platform.crypto.PersonalData;
import io.smallrye.mutiny.Uni;

/**
 * The notifications' part of the background rotation: seals the recipients and the notifications'
 * addresses still in clear (written before V15), then re-wraps the data keys under the current
 * master key. As {@code CustomerResealing}: a page at a time, a row changed meanwhile left for the
 * next run.
 */
@ApplicationScoped
public class NotificationResealing {

    private static final int PAGE = 100;
    private static final HexFormat HEX = HexFormat.of();

    private final DataKeyStore dataKeys;

    NotificationResealing(DataKeyStore dataKeys) {
        this.dataKeys = dataKeys;
    }

    /** What a run did, and how many data keys are still under another master key (0: the rotation is done). */
    public record Resealed(int recipients, int notifications, int rewrapped, long stale) {
    }

    public Resealed reseal() {
        int recipients = sealAll("""
                select tenant, customer_id, name, email from notifications.recipients
                where name is not null or email is not null order by tenant, customer_id limit""",
                (row, key) -> Sql.execute("""
                        update notifications.recipients set name = null, email = null, name_sealed = decode(?1, 'hex'),
                            email_sealed = decode(?2, 'hex')
                        where tenant = ?3 and customer_id = ?4 and name is not distinct from ?5
                          and email is not distinct from ?6""", hex(key.seal("name", (String) row[2])),
                        hex(key.seal("email", (String) row[3])), row[0], row[1], row[2], row[3]));
        int notifications = sealAll("""
                select tenant, customer_id, id, recipient from notifications.notifications
                where recipient is not null order by created_at, id limit""",
                (row, key) -> Sql.execute("""
                        update notifications.notifications set recipient = null, recipient_sealed = decode(?1, 'hex')
                        where id = ?2 and recipient = ?3""", hex(key.seal("email", (String) row[3])), row[2], row[3]));
        int rewrapped = dataKeys.rewrap(NotificationService.SCHEMA, PAGE);
        return new Resealed(recipients, notifications, rewrapped, dataKeys.stale(NotificationService.SCHEMA));
    }

    /**
     * Seals each row {@code select} finds (its tenant and customer first) with {@code update}, under
     * this service's key of the row's customer; yields how many.
     */
    private int sealAll(String select, java.util.function.BiFunction<Object[], PersonalData.Key, Uni<Integer>> update) {
        int sealed = 0;
        List<Object[]> clear;
        do {
            clear = Reactive.inTransaction(() -> Sql.rows(select + " " + PAGE));
            int before = sealed;
            for (Object[] row : clear) {
                PersonalData.Key key = dataKeys.keyOf(
                        NotificationService.subject((String) row[0], UUID.fromString(String.valueOf(row[1]))));
                sealed += Reactive.inTransaction(() -> update.apply(row, key));
            }
            if (sealed == before) {
                break;
            }
        } while (clear.size() == PAGE);
        return sealed;
    }

    private static String hex(byte[] sealed) {
        return sealed == null ? null : HEX.formatHex(sealed);
    }
}
