package io.sagaline.bench.peer;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.sagaline.asl.ExecutionStore;
import io.sagaline.asl.Interpreter;
import io.sagaline.asl.StatesFailure;

/**
 * The saga's steps, with the README's statements, each its own local transaction: committed by the step itself
 * ({@code shared} false), or in the engine's store transaction, which commits the step's statements and the
 * engine's transition after it together, once ({@code shared} true: the business tables and the engine's share
 * the database).
 */
final class Steps implements Interpreter.TaskInvoker {

    private final DataSource dataSource;
    private final boolean shared;

    /** The connection of a transaction of the engine's store. */
    private final java.util.function.Function<ExecutionStore.Transaction, Connection> connection;

    Steps(DataSource dataSource, boolean shared,
            java.util.function.Function<ExecutionStore.Transaction, Connection> connection) {
        this.dataSource = dataSource;
        this.shared = shared;
        this.connection = connection;
    }

    @Override
    public boolean transactional(String resource) {
        return shared;
    }

    @Override
    public JsonNode invoke(String resource, JsonNode in, Integer timeoutSeconds, ExecutionStore.Transaction transaction) {
        if (resource.equals("authorizePayment") && in.get("decline").asBoolean()) {
            // A failed task's transaction is rolled back by the engine; the declined payment is kept, as the
            // specification's step keeps it, so that step commits on its own (the 20 % of sagas that decline).
            return invoke(resource, in, timeoutSeconds);
        }
        try {
            // the engine commits the transaction with its transition after the step
            work(connection.apply(transaction), resource, in);
        } catch (SQLException e) {
            throw new StatesFailure("StepFailed", e.getMessage());
        }
        return JsonNodeFactory.instance.objectNode();
    }

    @Override
    public JsonNode invoke(String resource, JsonNode in, Integer timeoutSeconds) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                work(c, resource, in);
                c.commit();
            } catch (StatesFailure e) {
                c.commit(); // a business failure keeps what the step wrote (the declined payment)
                throw e;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StatesFailure("StepFailed", e.getMessage());
        }
        return JsonNodeFactory.instance.objectNode();
    }

    private static void work(Connection c, String resource, JsonNode in) throws SQLException {
        long order = in.get("orderId").asLong();
        int customer = in.get("customerId").asInt();
        int sku = in.get("sku").asInt();
        int qty = in.get("qty").asInt();
        int amount = in.get("amount").asInt();
        switch (resource) {
            case "reserveCredit" -> {
                update(c,
                        "INSERT INTO orders(id, customer_id, sku, qty, amount, status) VALUES (?, ?, ?, ?, ?, 'PENDING')",
                        order, customer, sku, qty, amount);
                one(update(c, "UPDATE customers SET credit_reserved = credit_reserved + ? WHERE id = ?"
                        + " AND credit_limit - credit_reserved >= ?", amount, customer, amount), "CreditNotAvailable");
            }
            case "reserveStock" -> one(update(c, "UPDATE products SET reserved = reserved + ? WHERE sku = ?"
                    + " AND stock - reserved >= ?", qty, sku, qty), "OutOfStock");
            case "authorizePayment" -> {
                boolean declined = in.get("decline").asBoolean();
                update(c, "INSERT INTO payments(id, order_id, status) VALUES (?, ?, ?)", order, order,
                        declined ? "DECLINED" : "AUTHORIZED");
                if (declined) {
                    throw new StatesFailure("PaymentDeclined", "the payment of order " + order + " was declined");
                }
            }
            case "confirmOrder" -> update(c, "UPDATE orders SET status = 'CONFIRMED' WHERE id = ?", order);
            case "releaseStock" -> update(c, "UPDATE products SET reserved = reserved - ? WHERE sku = ?", qty, sku);
            case "releaseCredit" -> update(c, "UPDATE customers SET credit_reserved = credit_reserved - ? WHERE id = ?",
                    amount, customer);
            case "rejectOrder" -> update(c, "UPDATE orders SET status = 'REJECTED' WHERE id = ?", order);
            default -> throw new StatesFailure("States.Runtime", "no step " + resource);
        }
    }

    private static int update(Connection c, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement statement = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            return statement.executeUpdate();
        }
    }

    private static void one(int rows, String error) {
        if (rows != 1) {
            throw new StatesFailure(error, "the step touched " + rows + " rows, not one");
        }
    }
}
