package io.sagaline.platform;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.regex.Pattern;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

/** Native SQL where JPQL has no words for it, inside the current reactive transaction. */
public final class Sql {

    private Sql() {
    }

    /** Runs an insert/update/delete with positional parameters {@code ?1, ?2, ...}; yields the row count. */
    public static Uni<Integer> execute(String sql, Object... params) {
        return Panache.getSession().chain(session -> {
            var query = session.createNativeQuery(sql);
            for (int i = 0; i < params.length; i++) {
                query.setParameter(i + 1, params[i]);
            }
            return query.executeUpdate();
        });
    }

    /** Runs a query with positional parameters; yields its rows, each as its column values in order. */
    public static Uni<List<Object[]>> rows(String sql, Object... params) {
        return Panache.getSession().chain(session -> {
            var query = session.createNativeQuery(sql);
            for (int i = 0; i < params.length; i++) {
                query.setParameter(i + 1, params[i]);
            }
            return query.getResultList();
        }).map(results -> results.stream().map(r -> r instanceof Object[] columns ? columns : new Object[] { r }).toList());
    }

    private static final Pattern SCHEMA = Pattern.compile("[a-z]+");

    /**
     * {@code schema.table} for a schema name given in code (the messaging tables exist once per
     * service schema); refuses anything but a plain lower-case name, so nothing can be injected.
     */
    public static String table(String schema, String table) {
        if (!SCHEMA.matcher(schema).matches()) {
            throw new IllegalArgumentException("not a schema name: " + schema);
        }
        return schema + "." + table;
    }

    /** A {@code timestamptz} column of a native query's row, as the reactive client hands it over. */
    public static Instant instant(Object column) {
        if (column instanceof OffsetDateTime t) {
            return t.toInstant();
        }
        if (column instanceof Timestamp t) {
            return t.toInstant();
        }
        if (column instanceof Instant t) {
            return t;
        }
        throw new IllegalStateException("not a timestamp: " + column);
    }
}
