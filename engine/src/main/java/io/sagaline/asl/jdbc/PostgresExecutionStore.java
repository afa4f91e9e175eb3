package io.sagaline.asl.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.asl.Execution;
import io.sagaline.asl.ExecutionStore;
import io.sagaline.asl.HistoryEvent;
import io.sagaline.asl.StateMachine;

/**
 * Executions in PostgreSQL (schema {@code engine}): each commit moves the cursor and appends the
 * new history events in one transaction, so what is in the database is always a state the
 * execution can go on from.
 */
public class PostgresExecutionStore implements ExecutionStore {

    private static final String INSERT = """
            insert into engine.executions (arn, name, state_machine_arn, machine_name, definition, input, status, output,
                error, cause, start_date, stop_date, state, state_input, state_entered, retry_attempts, retry_count, resume_at,
                redrive_count, redrive_date, branches, variables, callback, trace_header, owner, lease, lease_until)
            values (?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?::jsonb, ?, ?, ?, ?, ?, ?::jsonb, ?, ?::jsonb, ?, ?, ?, ?, ?::jsonb, ?::jsonb,
                ?::jsonb, ?, ?, ?, now() + ? * interval '1 millisecond')
            on conflict (arn) do nothing""";
    /** The cursor moves only under the lease the commit ran under, which it extends. */
    private static final String UPDATE = """
            update engine.executions set status = ?, output = ?::jsonb, error = ?, cause = ?, start_date = ?, stop_date = ?,
                state = ?, state_input = ?::jsonb, state_entered = ?, retry_attempts = ?::jsonb, retry_count = ?, resume_at = ?,
                redrive_count = ?, redrive_date = ?, branches = ?::jsonb, variables = ?::jsonb, callback = ?::jsonb,
                lease_until = now() + ? * interval '1 millisecond'
            where arn = ? and owner = ? and lease = ?""";
    /** Takes the leases that ran out (their owner died, or stopped): each goes on here, under the next lease. */
    private static final String CLAIM_EXPIRED = """
            update engine.executions set owner = ?, lease = lease + 1, lease_until = now() + ? * interval '1 millisecond'
            where arn in (select arn from engine.executions
                          where status = 'RUNNING' and (lease_until is null or lease_until < now())
                          order by lease_until nulls first limit ? for update skip locked)
            returning arn""";
    private static final String EVENT = """
            insert into engine.history (execution_arn, id, previous_event_id, ts, type, details_key, details)
            values (?, ?, ?, ?, ?, ?, ?::jsonb)""";

    private final DataSource dataSource;
    private final ObjectMapper json;
    /** This engine process, as the leases name it. */
    private final String owner;
    /** How long a lease lasts after its last extension. */
    private final Duration leaseTime;

    /** A store whose engine is {@code owner}, holding each execution's lease for {@code leaseTime} after its last renewal. */
    public PostgresExecutionStore(DataSource dataSource, ObjectMapper json, String owner, Duration leaseTime) {
        this.dataSource = dataSource;
        this.json = json;
        this.owner = owner;
        this.leaseTime = leaseTime;
    }

    public String owner() {
        return owner;
    }

    @Override
    public void commit(Execution.Commit c) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            commit(connection, c);
        } catch (SQLException e) {
            throw new Unavailable("could not commit execution " + c.arn(), e);
        }
    }

    /**
     * A transaction on a connection of the store's database, for a transactional task's statements
     * ({@link #connection(ExecutionStore.Transaction)}): the engine commits its transition in it, after them.
     */
    @Override
    public Transaction begin() {
        try {
            Connection connection = dataSource.getConnection();
            connection.setAutoCommit(false);
            return new Shared(connection);
        } catch (SQLException e) {
            throw new Unavailable("could not begin a transaction", e);
        }
    }

    /** The connection of a transaction this store began: where a transactional task runs its statements. */
    public static Connection connection(Transaction transaction) {
        return ((Shared) transaction).connection;
    }

    private final class Shared implements Transaction {
        private final Connection connection;

        Shared(Connection connection) {
            this.connection = connection;
        }

        @Override
        public void commit(Execution.Commit c) {
            try (connection) {
                PostgresExecutionStore.this.commit(connection, c);
            } catch (SQLException e) {
                throw new Unavailable("could not commit execution " + c.arn(), e);
            }
        }

        @Override
        public void rollback() {
            try (connection) {
                connection.rollback();
            } catch (SQLException e) {
                // the connection is gone: so is what it held
            }
        }
    }

    /** The commit's rows on {@code connection}, in its transaction, then the commit; rolled back on a failure. */
    private void commit(Connection connection, Execution.Commit c) throws SQLException {
        try {
            // The definition and the input never change after the start: only the first commit sends them.
            if (c.first() ? insert(connection, c) == 0 : update(connection, c) == 0) {
                connection.rollback();
                throw new LeaseLost("execution " + c.arn() + " is no longer this engine's (" + owner + ", lease "
                        + c.lease() + "): another engine took it over");
            }
            if (!c.events().isEmpty()) {
                try (PreparedStatement event = connection.prepareStatement(EVENT)) {
                    for (HistoryEvent e : c.events()) {
                        event.setString(1, c.arn());
                        event.setLong(2, e.id());
                        event.setLong(3, e.previousEventId());
                        event.setTimestamp(4, timestamp(e.timestamp()));
                        event.setString(5, e.type());
                        event.setString(6, e.detailsKey());
                        event.setString(7, e.details() == null ? null : e.details().toString());
                        event.addBatch();
                    }
                    event.executeBatch();
                }
            }
            connection.commit();
        } catch (JsonProcessingException e) {
            connection.rollback();
            throw new Unavailable("could not commit execution " + c.arn(), e);
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        }
    }

    /** Stores a new execution under this engine's lease; 0 when one of its ARN exists already. */
    private int insert(Connection connection, Execution.Commit c) throws SQLException, JsonProcessingException {
        try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
            int i = 0;
            insert.setString(++i, c.arn());
            insert.setString(++i, c.name());
            insert.setString(++i, c.stateMachineArn());
            insert.setString(++i, c.machineName());
            insert.setString(++i, c.definition().toString());
            insert.setString(++i, c.input().toString());
            i = cursor(insert, i, c);
            insert.setString(++i, c.traceHeader());
            insert.setString(++i, owner);
            insert.setLong(++i, c.lease());
            insert.setLong(++i, leaseTime.toMillis());
            return insert.executeUpdate();
        }
    }

    /** Moves the cursor of a stored execution under the lease it ran under; 0 when that lease is no longer its. */
    private int update(Connection connection, Execution.Commit c) throws SQLException, JsonProcessingException {
        try (PreparedStatement update = connection.prepareStatement(UPDATE)) {
            int i = cursor(update, 0, c);
            update.setLong(++i, leaseTime.toMillis());
            update.setString(++i, c.arn());
            update.setString(++i, owner);
            update.setLong(++i, c.lease());
            return update.executeUpdate();
        }
    }

    /** Extends this engine's leases of the executions {@code arns} (those it runs); how many it still holds. */
    public int renewLeases(java.util.Collection<String> arns) {
        if (arns.isEmpty()) {
            return 0;
        }
        try (Connection connection = dataSource.getConnection();
                PreparedStatement renew = connection.prepareStatement(
                        "update engine.executions set lease_until = now() + ? * interval '1 millisecond'"
                                + " where owner = ? and status = 'RUNNING' and arn = any(?)")) {
            renew.setLong(1, leaseTime.toMillis());
            renew.setString(2, owner);
            renew.setArray(3, connection.createArrayOf("varchar", arns.toArray()));
            return renew.executeUpdate();
        } catch (SQLException e) {
            throw new Unavailable("could not renew the leases", e);
        }
    }

    /** Ends this engine's leases now (a clean stop), so that another engine, or the next start, goes on at once. */
    public int releaseLeases() {
        return execute("update engine.executions set lease_until = now() where owner = ? and status = 'RUNNING'", owner);
    }

    /**
     * Takes up to {@code limit} executions whose lease ran out, each under its next lease, and returns them as
     * their last commit left them.
     */
    public List<Execution> claimExpired(int limit) {
        List<String> arns = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement claim = connection.prepareStatement(CLAIM_EXPIRED)) {
            claim.setString(1, owner);
            claim.setLong(2, leaseTime.toMillis());
            claim.setInt(3, limit);
            try (ResultSet r = claim.executeQuery()) {
                while (r.next()) {
                    arns.add(r.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new Unavailable("could not claim executions", e);
        }
        List<Execution> claimed = new ArrayList<>();
        arns.forEach(arn -> find(arn).ifPresent(claimed::add));
        return claimed;
    }

    /**
     * Takes execution {@code arn} whoever holds it (StopExecution and RedriveExecution of an execution another
     * engine ran, or an execution of this engine's that it no longer runs), under its next lease: its holder's
     * next commit is refused. Returns it as its last commit left it.
     */
    public Optional<Execution> claim(String arn) {
        if (execute("update engine.executions set owner = ?, lease = lease + 1,"
                + " lease_until = now() + ? * interval '1 millisecond' where arn = ?", owner, leaseTime.toMillis(), arn) == 0) {
            return Optional.empty();
        }
        return find(arn);
    }

    /** The ARNs of the executions RUNNING under this engine's name in the store. */
    public List<String> owned() {
        List<String> arns = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement query = connection
                        .prepareStatement("select arn from engine.executions where status = 'RUNNING' and owner = ?")) {
            query.setString(1, owner);
            try (ResultSet r = query.executeQuery()) {
                while (r.next()) {
                    arns.add(r.getString(1));
                }
            }
            return arns;
        } catch (SQLException e) {
            throw new Unavailable("could not list executions", e);
        }
    }

    private int execute(String sql, Object... parameters) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            return statement.executeUpdate();
        } catch (SQLException e) {
            throw new Unavailable("could not update the leases", e);
        }
    }

    /** Binds the cursor's columns, in the order both statements list them, after parameter {@code i}. */
    private int cursor(PreparedStatement statement, int i, Execution.Commit c) throws SQLException, JsonProcessingException {
        statement.setString(++i, c.status().name());
        statement.setString(++i, c.output() == null ? null : c.output().toString());
        statement.setString(++i, c.error());
        statement.setString(++i, c.cause());
        statement.setTimestamp(++i, timestamp(c.startDate()));
        statement.setTimestamp(++i, timestamp(c.stopDate()));
        statement.setString(++i, c.state());
        statement.setString(++i, c.stateInput() == null ? null : c.stateInput().toString());
        statement.setTimestamp(++i, timestamp(c.stateEnteredTime()));
        statement.setString(++i, json.writeValueAsString(c.retryAttempts()));
        statement.setInt(++i, c.retryCount());
        statement.setTimestamp(++i, timestamp(c.resumeAt()));
        statement.setInt(++i, c.redriveCount());
        statement.setTimestamp(++i, timestamp(c.redriveDate()));
        statement.setString(++i, c.branches() == null ? null : c.branches().toString());
        statement.setString(++i, c.variables() == null ? null : c.variables().toString());
        statement.setString(++i, c.callback() == null ? null : c.callback().toString());
        return i;
    }

    /** One line of ListExecutions; the version and alias it was started on, if it was. */
    public record Summary(String arn, String stateMachineArn, String name, Execution.Status status, Instant startDate,
            Instant stopDate, int redriveCount, Instant redriveDate, String versionArn, String aliasArn) {
    }

    /** Where a page of ListExecutions ended: the start date and ARN of its last execution. */
    public record Cursor(Instant startDate, String arn) {
    }

    /**
     * Executions of a state machine, newest first (ties by ARN), optionally of one status and
     * redriven or not ({@code redriven} null: either): at most
     * {@code limit} of those after {@code after} (null: from the newest). Paging by the last row
     * seen rather than by an offset, executions started between two calls do not shift the pages.
     * {@code origin}, a version's or an alias's ARN, keeps only the executions started on it.
     */
    public List<Summary> list(String stateMachineArn, String origin, Execution.Status status, Boolean redriven, int limit,
            Cursor after) {
        String sql = "select arn, state_machine_arn, name, status, start_date, stop_date, redrive_count, redrive_date,"
                + " o.version_arn, o.alias_arn from engine.executions left join engine.execution_origins o"
                + " on o.execution_arn = arn where state_machine_arn = ?"
                + (origin == null ? "" : " and (o.version_arn = ? or o.alias_arn = ?)")
                + (status == null ? "" : " and status = ?")
                + (redriven == null ? "" : redriven ? " and redrive_count > 0" : " and redrive_count = 0")
                + (after == null ? "" : " and (start_date, arn) < (?, ?)") + " order by start_date desc, arn desc limit ?";
        try (Connection connection = dataSource.getConnection(); PreparedStatement query = connection.prepareStatement(sql)) {
            int i = 0;
            query.setString(++i, stateMachineArn);
            if (origin != null) {
                query.setString(++i, origin);
                query.setString(++i, origin);
            }
            if (status != null) {
                query.setString(++i, status.name());
            }
            if (after != null) {
                query.setTimestamp(++i, timestamp(after.startDate()));
                query.setString(++i, after.arn());
            }
            query.setInt(++i, limit);
            List<Summary> summaries = new ArrayList<>();
            try (ResultSet r = query.executeQuery()) {
                while (r.next()) {
                    summaries.add(new Summary(r.getString(1), r.getString(2), r.getString(3),
                            Execution.Status.valueOf(r.getString(4)), instant(r.getTimestamp(5)), instant(r.getTimestamp(6)),
                            r.getInt(7), instant(r.getTimestamp(8)), r.getString(9), r.getString(10)));
                }
            }
            return summaries;
        } catch (SQLException e) {
            throw new Unavailable("could not list executions", e);
        }
    }

    /**
     * A nested execution's parent: the token of the Task that waits for the child's end ({@code states:startExecution}
     * with {@code .sync}, pattern {@code sync}, or {@code .sync:2}, pattern {@code sync:2}).
     */
    public record Parent(String childArn, String token, String pattern) {
    }

    /** Links a child to the Task that waits for it, before the child starts: the link outlives this process. */
    public void link(Parent parent) {
        update("insert into engine.execution_parents (child_arn, parent_token, pattern) values (?, ?, ?) on conflict"
                + " (child_arn, parent_token) do nothing", parent.childArn(), parent.token(), parent.pattern());
    }

    /** The link of a child whose parent was told of its end, or no longer waits, removed. */
    public void unlink(Parent parent) {
        update("delete from engine.execution_parents where child_arn = ? and parent_token = ?", parent.childArn(),
                parent.token());
    }

    /** The Tasks a child was started for that wait for its end and were not yet told of it. */
    public List<Parent> parentsOf(String childArn) {
        List<Parent> parents = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement query = connection.prepareStatement(
                        "select parent_token, pattern from engine.execution_parents where child_arn = ?")) {
            query.setString(1, childArn);
            try (ResultSet r = query.executeQuery()) {
                while (r.next()) {
                    parents.add(new Parent(childArn, r.getString(1), r.getString(2)));
                }
            }
            return parents;
        } catch (SQLException e) {
            throw new Unavailable("could not read a nested execution's parents", e);
        }
    }

    /**
     * The links of children that ended at least {@code settled} ago as the store first saw it (their end committed,
     * and the process that committed it had that long to tell the parent itself), at most {@code limit}.
     */
    public List<Parent> endedChildren(Duration settled, int limit) {
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement seen = connection.prepareStatement("update engine.execution_parents p set ended_seen_at"
                    + " = now() from engine.executions e where e.arn = p.child_arn and e.status <> 'RUNNING' and"
                    + " p.ended_seen_at is null")) {
                seen.executeUpdate();
            }
            try (PreparedStatement query = connection.prepareStatement("select p.child_arn, p.parent_token, p.pattern from"
                    + " engine.execution_parents p join engine.executions e on e.arn = p.child_arn where e.status <>"
                    + " 'RUNNING' and p.ended_seen_at < now() - make_interval(secs => ?) order by p.linked_at limit ?")) {
                query.setDouble(1, settled.toMillis() / 1000.0);
                query.setInt(2, limit);
                List<Parent> parents = new ArrayList<>();
                try (ResultSet r = query.executeQuery()) {
                    while (r.next()) {
                        parents.add(new Parent(r.getString(1), r.getString(2), r.getString(3)));
                    }
                }
                return parents;
            }
        } catch (SQLException e) {
            throw new Unavailable("could not read the nested executions' parents", e);
        }
    }

    /**
     * Whether the execution is RUNNING with a Task (of its own, or of one of its branches) waiting on {@code token},
     * as its last commit has it.
     */
    public boolean awaits(String executionArn, String token) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement query = connection.prepareStatement("select 1 from engine.executions where arn = ? and"
                        + " status = 'RUNNING' and (callback ->> 'token' = ? or strpos(branches::text, ?) > 0)")) {
            query.setString(1, executionArn);
            query.setString(2, token);
            query.setString(3, token);
            try (ResultSet r = query.executeQuery()) {
                return r.next();
            }
        } catch (SQLException e) {
            throw new Unavailable("could not read whether an execution waits on a token", e);
        }
    }

    private void update(String sql, Object... parameters) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new Unavailable("could not link a nested execution to its parent", e);
        }
    }

    public Optional<Execution> find(String arn) {
        return load("select * from engine.executions where arn = ?", arn).stream().findFirst();
    }

    private List<Execution> load(String sql, String param) {
        try (Connection connection = dataSource.getConnection(); PreparedStatement query = connection.prepareStatement(sql)) {
            if (param != null) {
                query.setString(1, param);
            }
            List<Execution> executions = new ArrayList<>();
            try (ResultSet r = query.executeQuery()) {
                while (r.next()) {
                    Execution.Commit c = new Execution.Commit(r.getString("arn"), r.getString("name"),
                            r.getString("state_machine_arn"), r.getString("machine_name"), tree(r.getString("definition")),
                            tree(r.getString("input")), instant(r.getTimestamp("start_date")),
                            Execution.Status.valueOf(r.getString("status")), tree(r.getString("output")), r.getString("error"),
                            r.getString("cause"), instant(r.getTimestamp("stop_date")), r.getString("state"),
                            tree(r.getString("state_input")), instant(r.getTimestamp("state_entered")),
                            json.readValue(r.getString("retry_attempts"), int[].class), r.getInt("retry_count"),
                            instant(r.getTimestamp("resume_at")), r.getInt("redrive_count"),
                            instant(r.getTimestamp("redrive_date")), tree(r.getString("branches")),
                            tree(r.getString("variables")), List.of(), false, r.getString("trace_header"),
                            r.getLong("lease"), tree(r.getString("callback")));
                    StateMachine machine = StateMachine.parse(c.machineName(), c.definition());
                    executions.add(Execution.restore(c, machine, history(connection, c.arn())));
                }
            }
            return executions;
        } catch (SQLException | JsonProcessingException e) {
            throw new Unavailable("could not load executions", e);
        }
    }

    private List<HistoryEvent> history(Connection connection, String arn) throws SQLException, JsonProcessingException {
        try (PreparedStatement query = connection
                .prepareStatement("select * from engine.history where execution_arn = ? order by id")) {
            query.setString(1, arn);
            List<HistoryEvent> events = new ArrayList<>();
            try (ResultSet r = query.executeQuery()) {
                while (r.next()) {
                    events.add(new HistoryEvent(r.getLong("id"), r.getLong("previous_event_id"), instant(r.getTimestamp("ts")),
                            r.getString("type"), r.getString("details_key"), (ObjectNode) tree(r.getString("details"))));
                }
            }
            return events;
        }
    }

    private JsonNode tree(String text) throws JsonProcessingException {
        return text == null ? null : json.readTree(text);
    }

    private static Timestamp timestamp(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
