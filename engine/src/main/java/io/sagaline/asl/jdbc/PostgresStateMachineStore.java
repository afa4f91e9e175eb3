package io.sagaline.asl.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagaline.asl.ExecutionStore.Unavailable;

/**
 * The state machines users create, their versions, aliases and tags, in PostgreSQL (schema
 * {@code engine}), shared by every engine process on the database. What must not interleave with
 * another process's change (publishing a version, deleting one an alias may route to) happens in
 * one transaction under the machine's row lock. The rules of the Step Functions API (names,
 * limits, which change is refused) are the caller's; this store keeps what they allowed.
 */
public class PostgresStateMachineStore {

    /** A state machine's current revision. */
    public record Machine(String arn, String name, String type, String definition, String roleArn, JsonNode logging,
            JsonNode tracing, String revisionId, Instant creationDate, Instant updateDate) {
    }

    /** A revision kept as it was when published, under the machine's ARN and its number ({@code ...:name:3}). */
    public record Version(String arn, String stateMachineArn, int number, String definition, String roleArn,
            JsonNode logging, JsonNode tracing, String revisionId, String description, Instant creationDate) {
    }

    /** An alias: executions started on its ARN run one of its one or two versions, chosen by weight. */
    public record Alias(String arn, String stateMachineArn, String name, String description, List<Route> routing,
            Instant creationDate, Instant updateDate) {
    }

    /** One version of an alias's routing and the percentage of executions that go to it. */
    public record Route(String versionArn, int weight) {
    }

    /** The version and alias an execution was started on, and the mock test case it runs (each may be null). */
    public record Origin(String versionArn, String aliasArn, String testCase) {
    }

    /** What an update did: the machine as it is now, and the version it published (or null). */
    public record Updated(Machine machine, Version version) {
    }

    /** What a creation did: stored the machine (and maybe its first version), or found one of its ARN there. */
    public record Created(Machine machine, Version version, boolean stored) {
    }

    /** PublishStateMachineVersion named a revision that is no longer the machine's current one. */
    public static final class RevisionChanged extends RuntimeException {
        public RevisionChanged(String message) {
            super(message, null, false, false);
        }
    }

    private final DataSource dataSource;
    private final ObjectMapper json;

    public PostgresStateMachineStore(DataSource dataSource, ObjectMapper json) {
        this.dataSource = dataSource;
        this.json = json;
    }

    public Optional<Machine> machine(String arn) {
        return query("select * from engine.state_machines where arn = ?", this::machine, arn).stream().findFirst();
    }

    /** Every machine, by name. */
    public List<Machine> machines() {
        return query("select * from engine.state_machines order by name", this::machine);
    }

    /**
     * Stores a new machine with its tags, and its first version if {@code publishDescription} is not null
     * ({@code publish: true} at creation). A machine of that ARN already there is answered instead and nothing
     * is written: the caller tells an idempotent repeat from a conflict.
     */
    public Created create(Machine machine, Map<String, String> tags, boolean publish, String versionDescription) {
        return transaction(connection -> {
            int inserted = update(connection, """
                    insert into engine.state_machines (arn, name, type, definition, role_arn, logging_configuration,
                        tracing_configuration, revision_id, creation_date, update_date)
                    values (?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?) on conflict (arn) do nothing""", machine.arn(),
                    machine.name(), machine.type(), machine.definition(), machine.roleArn(), text(machine.logging()),
                    text(machine.tracing()), machine.revisionId(), timestamp(machine.creationDate()),
                    timestamp(machine.updateDate()));
            if (inserted == 0) {
                Machine existing = locked(connection, machine.arn());
                return new Created(existing, latestVersion(connection, existing), false);
            }
            tag(connection, machine.arn(), tags);
            return new Created(machine,
                    publish ? publish(connection, machine, versionDescription, machine.creationDate()) : null, true);
        });
    }

    /**
     * Replaces the machine's current revision with what {@code change} makes of it, publishing it as a version if
     * {@code publish}; empty if there is no such machine.
     */
    public Optional<Updated> update(String arn, UnaryOperator<Machine> change, boolean publish, String versionDescription) {
        return transaction(connection -> {
            Machine current = locked(connection, arn);
            if (current == null) {
                return Optional.empty();
            }
            Machine next = change.apply(current);
            update(connection, """
                    update engine.state_machines set definition = ?, role_arn = ?, logging_configuration = ?::jsonb,
                        tracing_configuration = ?::jsonb, revision_id = ?, update_date = ? where arn = ?""",
                    next.definition(), next.roleArn(), text(next.logging()), text(next.tracing()), next.revisionId(),
                    timestamp(next.updateDate()), arn);
            return Optional.of(new Updated(next, publish ? publish(connection, next, versionDescription,
                    next.updateDate() == null ? next.creationDate() : next.updateDate()) : null));
        });
    }

    /** Deletes the machine, its versions, aliases and every one's tags; false if there was none. */
    public boolean delete(String arn) {
        return transaction(connection -> {
            update(connection, """
                    delete from engine.tags where resource_arn = ? or resource_arn in
                        (select arn from engine.state_machine_versions where state_machine_arn = ?
                         union select arn from engine.state_machine_aliases where state_machine_arn = ?)""", arn, arn, arn);
            return update(connection, "delete from engine.state_machines where arn = ?", arn) > 0;
        });
    }

    /**
     * Publishes the machine's current revision as its next version, or answers the version that already holds
     * that revision (publishing twice is one version, as in AWS); empty if there is no such machine.
     *
     * @throws RevisionChanged if {@code expectedRevisionId} is given and is not the current revision
     */
    public Optional<Version> publish(String arn, String expectedRevisionId, String description, Instant now) {
        return transaction(connection -> {
            Machine current = locked(connection, arn);
            if (current == null) {
                return Optional.empty();
            }
            if (expectedRevisionId != null && !expectedRevisionId.equals(current.revisionId())) {
                throw new RevisionChanged(String.valueOf(current.revisionId()));
            }
            return Optional.of(publish(connection, current, description, now));
        });
    }

    private Version publish(Connection connection, Machine machine, String description, Instant now)
            throws SQLException {
        Version latest = latestVersion(connection, machine);
        if (latest != null && java.util.Objects.equals(latest.revisionId(), machine.revisionId())) {
            return latest;
        }
        int number;
        try (PreparedStatement next = connection.prepareStatement(
                "update engine.state_machines set next_version = next_version + 1 where arn = ? returning next_version - 1")) {
            next.setString(1, machine.arn());
            try (ResultSet r = next.executeQuery()) {
                r.next();
                number = r.getInt(1);
            }
        }
        Version version = new Version(machine.arn() + ":" + number, machine.arn(), number, machine.definition(),
                machine.roleArn(), machine.logging(), machine.tracing(), machine.revisionId(), description, now);
        update(connection, """
                insert into engine.state_machine_versions (arn, state_machine_arn, version, definition, role_arn,
                    logging_configuration, tracing_configuration, revision_id, description, creation_date)
                values (?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?)""", version.arn(), version.stateMachineArn(), number,
                version.definition(), version.roleArn(), text(version.logging()), text(version.tracing()),
                version.revisionId(), description, timestamp(now));
        return version;
    }

    private Version latestVersion(Connection connection, Machine machine) throws SQLException {
        List<Version> latest = query(connection,
                "select * from engine.state_machine_versions where state_machine_arn = ? order by version desc limit 1",
                this::version, machine.arn());
        return latest.isEmpty() ? null : latest.get(0);
    }

    public Optional<Version> version(String versionArn) {
        return query("select * from engine.state_machine_versions where arn = ?", this::version, versionArn).stream()
                .findFirst();
    }

    /** The machine's versions, newest first. */
    public List<Version> versions(String stateMachineArn) {
        return query("select * from engine.state_machine_versions where state_machine_arn = ? order by version desc",
                this::version, stateMachineArn);
    }

    /**
     * Deletes a version that no alias routes to, with its tags. Answers the names of the aliases that route to it,
     * in which case nothing is deleted.
     */
    public List<String> deleteVersion(String versionArn) {
        return transaction(connection -> {
            List<Version> version = query(connection, "select * from engine.state_machine_versions where arn = ?",
                    this::version, versionArn);
            if (version.isEmpty()) {
                return List.of();
            }
            locked(connection, version.get(0).stateMachineArn());
            List<String> aliases = query(connection, """
                    select name from engine.state_machine_aliases where state_machine_arn = ?
                        and routing @> jsonb_build_array(jsonb_build_object('stateMachineVersionArn', ?::text))
                    order by creation_date, name""", r -> r.getString(1), version.get(0).stateMachineArn(), versionArn);
            if (aliases.isEmpty()) {
                update(connection, "delete from engine.tags where resource_arn = ?", versionArn);
                update(connection, "delete from engine.state_machine_versions where arn = ?", versionArn);
            }
            return aliases;
        });
    }

    /**
     * Stores a new alias, if every version it routes to still exists (checked under the machine's lock, so that
     * no version it names is deleted meanwhile); an alias of that ARN already there is answered instead.
     *
     * @return the alias stored now or found, or empty if a version it names does not exist
     */
    public Optional<Alias> createAlias(Alias alias) {
        return transaction(connection -> {
            if (locked(connection, alias.stateMachineArn()) == null || !versionsExist(connection, alias.routing())) {
                return Optional.empty();
            }
            int inserted = update(connection, """
                    insert into engine.state_machine_aliases (arn, state_machine_arn, name, description, routing,
                        creation_date, update_date)
                    values (?, ?, ?, ?, ?::jsonb, ?, ?) on conflict (arn) do nothing""", alias.arn(),
                    alias.stateMachineArn(), alias.name(), alias.description(), routing(alias.routing()),
                    timestamp(alias.creationDate()), timestamp(alias.updateDate()));
            return inserted > 0 ? Optional.of(alias)
                    : query(connection, "select * from engine.state_machine_aliases where arn = ?", this::alias, alias.arn())
                            .stream().findFirst();
        });
    }

    /**
     * Changes an alias's description and routing (either may be null: kept), if every version it would route to
     * exists; empty if there is no such alias or a version does not exist (the caller tells which).
     */
    public Optional<Alias> updateAlias(String aliasArn, String description, List<Route> routing, Instant now) {
        return transaction(connection -> {
            List<Alias> found = query(connection, "select * from engine.state_machine_aliases where arn = ?", this::alias,
                    aliasArn);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            Alias current = found.get(0);
            locked(connection, current.stateMachineArn());
            if (routing != null && !versionsExist(connection, routing)) {
                return Optional.empty();
            }
            Alias next = new Alias(current.arn(), current.stateMachineArn(), current.name(),
                    description != null ? description : current.description(), routing != null ? routing : current.routing(),
                    current.creationDate(), now);
            update(connection, "update engine.state_machine_aliases set description = ?, routing = ?::jsonb, update_date = ?"
                    + " where arn = ?", next.description(), routing(next.routing()), timestamp(now), aliasArn);
            return Optional.of(next);
        });
    }

    private boolean versionsExist(Connection connection, List<Route> routing) throws SQLException {
        for (Route route : routing) {
            if (query(connection, "select 1 from engine.state_machine_versions where arn = ?", r -> 1, route.versionArn())
                    .isEmpty()) {
                return false;
            }
        }
        return true;
    }

    public Optional<Alias> alias(String aliasArn) {
        return query("select * from engine.state_machine_aliases where arn = ?", this::alias, aliasArn).stream().findFirst();
    }

    /** The machine's aliases, oldest first. */
    public List<Alias> aliases(String stateMachineArn) {
        return query("select * from engine.state_machine_aliases where state_machine_arn = ? order by creation_date, name",
                this::alias,
                stateMachineArn);
    }

    public boolean deleteAlias(String aliasArn) {
        return transaction(connection -> {
            update(connection, "delete from engine.tags where resource_arn = ?", aliasArn);
            return update(connection, "delete from engine.state_machine_aliases where arn = ?", aliasArn) > 0;
        });
    }

    /** A resource's tags, by key. */
    public Map<String, String> tags(String resourceArn) {
        Map<String, String> tags = new LinkedHashMap<>();
        query("select key, value from engine.tags where resource_arn = ? order by key",
                r -> tags.put(r.getString(1), r.getString(2)), resourceArn);
        return tags;
    }

    /** Adds or replaces tags of a resource. */
    public void tag(String resourceArn, Map<String, String> tags) {
        transaction(connection -> {
            tag(connection, resourceArn, tags);
            return null;
        });
    }

    private void tag(Connection connection, String resourceArn, Map<String, String> tags) throws SQLException {
        for (Map.Entry<String, String> tag : tags.entrySet()) {
            update(connection, "insert into engine.tags (resource_arn, key, value) values (?, ?, ?)"
                    + " on conflict (resource_arn, key) do update set value = excluded.value", resourceArn, tag.getKey(),
                    tag.getValue());
        }
    }

    public void untag(String resourceArn, Collection<String> keys) {
        transaction(connection -> {
            for (String key : keys) {
                update(connection, "delete from engine.tags where resource_arn = ? and key = ?", resourceArn, key);
            }
            return null;
        });
    }

    // ---- activities -------------------------------------------------------------------------------------------

    /** An activity (CreateActivity): the workers of its tasks poll it by its ARN. */
    public record Activity(String arn, String name, Instant creationDate) {
    }

    /** An activity's task a worker took: the token it answers with SendTask*, and the task's input. */
    public record ActivityTask(String token, String input) {
    }

    /** CreateActivity: the activity of that ARN, created now unless it exists (then that one, as AWS answers). */
    public Activity createActivity(Activity activity, Map<String, String> tags) {
        return transaction(connection -> {
            int created = update(connection, "insert into engine.activities (arn, name, creation_date) values (?, ?, ?)"
                    + " on conflict (arn) do nothing", activity.arn(), activity.name(), timestamp(activity.creationDate()));
            if (created == 1) {
                tag(connection, activity.arn(), tags);
            }
            return query(connection, "select arn, name, creation_date from engine.activities where arn = ?", this::activity,
                    activity.arn()).get(0);
        });
    }

    public Optional<Activity> activity(String arn) {
        return query("select arn, name, creation_date from engine.activities where arn = ?", this::activity, arn).stream()
                .findFirst();
    }

    /** The activities by name, {@code limit} from {@code offset}. */
    public List<Activity> activities(int offset, int limit) {
        return query("select arn, name, creation_date from engine.activities order by name, arn offset ? limit ?",
                this::activity, offset, limit);
    }

    /** DeleteActivity: the activity, its tags and its tasks; false if there was none. */
    public boolean deleteActivity(String arn) {
        return transaction(connection -> {
            update(connection, "delete from engine.tags where resource_arn = ?", arn);
            update(connection, "delete from engine.activity_tasks where activity_arn = ?", arn);
            return update(connection, "delete from engine.activities where arn = ?", arn) == 1;
        });
    }

    /** A Task's task for the activity's workers; the same token again (the Task invoked again after a crash) is one. */
    public void scheduleActivityTask(String activityArn, String token, String executionArn, String input) {
        transaction(connection -> update(connection, "insert into engine.activity_tasks (task_token, activity_arn,"
                + " execution_arn, input) values (?, ?, ?, ?) on conflict (task_token) do nothing", token, activityArn,
                executionArn, input));
    }

    /** A task taken by a poll that could not give it to its worker: the next poll takes it. */
    public void untakeActivityTask(String token) {
        transaction(connection -> update(connection, "update engine.activity_tasks set worker_name = null, taken_at = null"
                + " where task_token = ?", token));
    }

    /** The tasks whose executions are no longer RUNNING (stopped, timed out, gone on without an answer): gone. */
    public int dropEndedActivityTasks() {
        return transaction(connection -> update(connection, "delete from engine.activity_tasks t where not exists (select 1"
                + " from engine.executions e where e.arn = t.execution_arn and e.status = 'RUNNING')"));
    }

    /** The activity's oldest task no worker took, now taken by {@code workerName}; empty if there is none. */
    public Optional<ActivityTask> takeActivityTask(String activityArn, String workerName) {
        return transaction(connection -> query(connection, "update engine.activity_tasks set worker_name = ?, taken_at ="
                + " clock_timestamp() where task_token = (select task_token from engine.activity_tasks where activity_arn = ?"
                + " and taken_at is null order by scheduled_at limit 1 for update skip locked) returning task_token, input",
                r -> new ActivityTask(r.getString(1), r.getString(2)), workerName, activityArn)).stream().findFirst();
    }

    /** The task of {@code token} is over (answered, or its Task no longer waits): no worker gets it. */
    public void endActivityTask(String token) {
        transaction(connection -> update(connection, "delete from engine.activity_tasks where task_token = ?", token));
    }

    private Activity activity(ResultSet r) throws SQLException {
        return new Activity(r.getString(1), r.getString(2), r.getTimestamp(3).toInstant());
    }

    /** Records the version and alias an execution starts on, before it starts. */
    public void origin(String executionArn, Origin origin) {
        transaction(connection -> update(connection, "insert into engine.execution_origins (execution_arn, version_arn,"
                + " alias_arn, test_case) values (?, ?, ?, ?) on conflict (execution_arn) do update set"
                + " version_arn = excluded.version_arn, alias_arn = excluded.alias_arn, test_case = excluded.test_case",
                executionArn, origin.versionArn(), origin.aliasArn(), origin.testCase()));
    }

    public Optional<Origin> origin(String executionArn) {
        return query("select version_arn, alias_arn, test_case from engine.execution_origins where execution_arn = ?",
                r -> new Origin(r.getString(1), r.getString(2), r.getString(3)), executionArn).stream().findFirst();
    }

    private Machine locked(Connection connection, String arn) throws SQLException {
        List<Machine> found = query(connection, "select * from engine.state_machines where arn = ? for update", this::machine,
                arn);
        return found.isEmpty() ? null : found.get(0);
    }

    private Machine machine(ResultSet r) throws SQLException {
        return new Machine(r.getString("arn"), r.getString("name"), r.getString("type"), r.getString("definition"),
                r.getString("role_arn"), tree(r.getString("logging_configuration")),
                tree(r.getString("tracing_configuration")), r.getString("revision_id"),
                instant(r.getTimestamp("creation_date")), instant(r.getTimestamp("update_date")));
    }

    private Version version(ResultSet r) throws SQLException {
        return new Version(r.getString("arn"), r.getString("state_machine_arn"), r.getInt("version"),
                r.getString("definition"), r.getString("role_arn"), tree(r.getString("logging_configuration")),
                tree(r.getString("tracing_configuration")), r.getString("revision_id"), r.getString("description"),
                instant(r.getTimestamp("creation_date")));
    }

    private Alias alias(ResultSet r) throws SQLException {
        List<Route> routing = new ArrayList<>();
        for (JsonNode route : tree(r.getString("routing"))) {
            routing.add(new Route(route.path("stateMachineVersionArn").asText(), route.path("weight").asInt()));
        }
        return new Alias(r.getString("arn"), r.getString("state_machine_arn"), r.getString("name"),
                r.getString("description"), List.copyOf(routing), instant(r.getTimestamp("creation_date")),
                instant(r.getTimestamp("update_date")));
    }

    private String routing(List<Route> routing) {
        var array = json.createArrayNode();
        routing.forEach(route -> array.addObject().put("stateMachineVersionArn", route.versionArn())
                .put("weight", route.weight()));
        return array.toString();
    }

    /** A piece of work in one transaction on a connection of its own. */
    private interface Work<T> {
        T on(Connection connection) throws SQLException;
    }

    /** Reads one row into a value. */
    private interface Row<T> {
        T read(ResultSet r) throws SQLException;
    }

    private <T> T transaction(Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                T result = work.on(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new Unavailable("the state machine store failed", e);
        }
    }

    private <T> List<T> query(String sql, Row<T> row, Object... params) {
        try (Connection connection = dataSource.getConnection()) {
            return query(connection, sql, row, params);
        } catch (SQLException e) {
            throw new Unavailable("the state machine store failed", e);
        }
    }

    private static <T> List<T> query(Connection connection, String sql, Row<T> row, Object... params)
            throws SQLException {
        try (PreparedStatement statement = prepare(connection, sql, params); ResultSet r = statement.executeQuery()) {
            List<T> rows = new ArrayList<>();
            while (r.next()) {
                rows.add(row.read(r));
            }
            return rows;
        }
    }

    private static int update(Connection connection, String sql, Object... params) throws SQLException {
        try (PreparedStatement statement = prepare(connection, sql, params)) {
            return statement.executeUpdate();
        }
    }

    private static PreparedStatement prepare(Connection connection, String sql, Object... params) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        try {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            return statement;
        } catch (SQLException e) {
            statement.close();
            throw e;
        }
    }

    private JsonNode tree(String text) {
        try {
            return text == null ? null : json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new Unavailable("the state machine store holds JSON it cannot read", e);
        }
    }

    private static String text(JsonNode node) {
        return node == null ? null : node.toString();
    }

    private static Timestamp timestamp(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
