package io.sagaline.support;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

/** Plain SQL on the embedded database, to assert what is really stored. */
public final class Db {

    private final DataSource dataSource;

    public Db(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public List<Map<String, Object>> rows(String sql, Object... params) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            try (ResultSet r = s.executeQuery()) {
                List<Map<String, Object>> rows = new ArrayList<>();
                while (r.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
                        row.put(r.getMetaData().getColumnLabel(i), r.getObject(i));
                    }
                    rows.add(row);
                }
                return rows;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** Every table of every schema ({@code schema.table}): to search all that is stored. */
    public List<String> everyTable() {
        List<String> tables = new ArrayList<>();
        rows("select table_schema || '.' || table_name as t from information_schema.tables where table_type = 'BASE TABLE'"
                + " and table_schema not in ('pg_catalog', 'information_schema')")
                .forEach(r -> tables.add((String) r.get("t")));
        return tables;
    }

    public Map<String, Object> row(String sql, Object... params) {
        List<Map<String, Object>> rows = rows(sql, params);
        if (rows.size() != 1) {
            throw new AssertionError("expected one row of " + sql + " but got " + rows);
        }
        return rows.get(0);
    }

    public int update(String sql, Object... params) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /**
     * Stores a PENDING order of tenant demo as {@code POST /orders} would, without starting its
     * saga: its stream (OrderPlaced) and its view. {@code sku} null: an order without lines.
     */
    public void placePendingOrder(String orderId, String customerId, String executionArn, String sku, long quantity) {
        String items = sku == null ? "[]" : "[{\"sku\": \"" + sku + "\", \"quantity\": " + quantity + "}]";
        java.time.OffsetDateTime at = java.time.OffsetDateTime.now();
        update("""
                insert into orders.order_events (tenant, order_id, version, id, type, occurred_at, causation_id, data)
                values ('demo', ?::uuid, 1, gen_random_uuid(), 'OrderPlaced', ?, ?, ?::jsonb)""",
                orderId, at, executionArn, "{\"customerId\": \"" + customerId + "\", \"executionId\": \"" + executionArn
                        + "\", \"items\": " + items + "}");
        update("""
                insert into orders.orders (id, tenant, customer_id, status, execution_id, version, created_at, updated_at)
                values (?::uuid, 'demo', ?::uuid, 'PENDING', ?, 1, ?, ?)""", orderId, customerId, executionArn, at, at);
        if (sku != null) {
            update("insert into orders.order_lines (tenant, order_id, line_no, sku, quantity) values ('demo', ?::uuid, 0, ?, ?)",
                    orderId, sku, quantity);
        }
    }
}
