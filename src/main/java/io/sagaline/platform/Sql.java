package io.sagaline.platform;

import java.util.List;

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
}
