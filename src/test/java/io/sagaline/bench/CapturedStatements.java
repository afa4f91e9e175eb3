package io.sagaline.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.sql.DataSource;

/**
 * Every statement PostgreSQL ran for some executions, read back from the server's own CSV log
 * ({@code log_statement = 'all'}), grouped into the transactions that ran them; and the same
 * transactions issued again bare over JDBC, at a chosen concurrency, with fresh ids. What the
 * replay reaches is the rate the database allows for exactly that SQL: the limit an
 * orchestrator running it is measured against.
 * <p>
 * The server must write its log as CSV into {@code log/} of its data directory
 * ({@code logging_collector}, {@code log_destination = 'csvlog'}, {@code log_directory = 'log'}):
 * the embedded PostgreSQL does with {@code -Dsagaline.local.postgres.statement-log=true}, and
 * bench/durable-postgres.sh configures its server so.
 */
final class CapturedStatements {

    /** One statement: its SQL with JDBC placeholders, and its parameters as the log shows them (null: SQL NULL). */
    record Sql(String text, List<String> params) {
    }

    /** One transaction, as it ran: its statements in order, whether it committed, whether it was one autocommit statement. */
    record Transaction(List<Sql> statements, boolean committed, boolean autocommit) {
        boolean touches(String schema) {
            return statements.stream().anyMatch(s -> s.text().contains(schema + "."));
        }
    }

    /** The transactions of one execution, in the order they began. */
    record Execution(String id, List<Transaction> transactions) {
        int statements() {
            return transactions.stream().mapToInt(t -> t.statements().size()).sum();
        }
    }

    /**
     * What the capture found: each execution's transactions; those of other work that ran meanwhile
     * (elsewhere: the consumers'; unrelated: naming no execution); those naming ids of two executions
     * (set apart, not replayed); and how many were still open when the capture ended.
     */
    record Capture(List<Execution> executions, List<Transaction> elsewhere, List<Transaction> unrelated,
            List<Transaction> ambiguous, int unfinished) {
    }

    private static final Pattern UUID_TEXT = Pattern
            .compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern UNREADABLE = Pattern.compile("\\$\\$|(?<![A-Za-z0-9_'])[Ee]'|--|/\\*|\\?");
    private static final Pattern LOGGED = Pattern.compile("(?s)^(?:statement|execute [^:]*): (.*)$");

    private CapturedStatements() {
    }

    /**
     * Runs {@code work} with every statement logged and returns what ran for each of {@code ids}
     * (the order ids or execution names the work is about). A transaction belongs to an
     * execution when it names the execution's id or an id that one of its earlier transactions
     * named (the outbox message an order's event announced, say), except the ids in
     * {@code shared} (a customer every execution uses). Transactions that touch a schema of
     * {@code elsewhere} (the queue consumers') are set apart, whoever they name.
     */
    static Capture capture(DataSource dataSource, Collection<String> ids, Set<String> shared, Set<String> elsewhere,
            Runnable work) throws Exception {
        Path log = logDirectory(dataSource);
        String start = "sagaline-capture-start-" + UUID.randomUUID();
        String end = "sagaline-capture-end-" + UUID.randomUUID();
        logStatements(dataSource, true);
        try {
            awaitLogged(dataSource, log, start);
            work.run();
        } finally {
            try {
                awaitLogged(dataSource, log, end);
            } finally {
                logStatements(dataSource, false); // whatever happened: the server must not go on logging everything
            }
        }
        java.util.concurrent.atomic.AtomicInteger unfinished = new java.util.concurrent.atomic.AtomicInteger();
        Capture capture = group(transactions(rows(log, start, end), unfinished), ids, shared, elsewhere);
        return new Capture(capture.executions(), capture.elsewhere(), capture.unrelated(), capture.ambiguous(),
                unfinished.get());
    }

    private static void logStatements(DataSource dataSource, boolean on) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute(on ? "alter system set log_statement = 'all'" : "alter system reset log_statement");
            s.execute("select pg_reload_conf()");
        }
    }

    private static Path logDirectory(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("select current_setting('data_directory'), current_setting('log_directory'),"
                        + " current_setting('log_destination'), current_setting('logging_collector')")) {
            r.next();
            if (!r.getString(3).contains("csvlog") || !"on".equals(r.getString(4))) {
                throw new IllegalStateException("the server does not write a CSV log (log_destination " + r.getString(3)
                        + ", logging_collector " + r.getString(4) + "): see bench/README.md");
            }
            Path directory = Path.of(r.getString(2));
            return directory.isAbsolute() ? directory : Path.of(r.getString(1)).resolve(directory);
        }
    }

    /**
     * Runs a marker statement until the log has it: the server's reload has reached this session, the collector has written.
     */
    private static void awaitLogged(DataSource dataSource, Path log, String marker) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
                s.execute("select '" + marker + "'");
            }
            if (logText(log).contains(marker)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the server's log in " + log + " never showed " + marker);
            }
            Thread.sleep(50); // the log collector writes asynchronously; nothing to await but the file
        }
    }

    private static String logText(Path log) throws IOException {
        StringBuilder text = new StringBuilder();
        try (Stream<Path> files = Files.list(log)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".csv")).sorted().toList()) {
                text.append(Files.readString(file, StandardCharsets.UTF_8));
            }
        }
        return text.toString();
    }

    /** A csvlog row: the session, its message and its detail. */
    private record Row(String session, String message, String detail) {
    }

    private static List<Row> rows(Path log, String start, String end) throws IOException {
        List<Row> rows = new ArrayList<>();
        boolean inside = false;
        for (List<String> fields : csv(logText(log))) {
            if (fields.size() < 15) {
                continue;
            }
            String message = fields.get(13);
            if (message.contains(start)) {
                inside = true;
                continue;
            }
            if (message.contains(end)) {
                break;
            }
            if (inside && LOGGED.matcher(message).matches()) {
                rows.add(new Row(fields.get(5), message, fields.get(14)));
            }
        }
        return rows;
    }

    /** RFC 4180 as PostgreSQL writes its csvlog: quoted fields, doubled quotes, newlines inside quotes. */
    static List<List<String>> csv(String text) {
        List<List<String>> records = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (quoted) {
                if (ch == '"') {
                    if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    field.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else if (ch == '\n') {
                fields.add(field.toString());
                field.setLength(0);
                records.add(fields);
                fields = new ArrayList<>();
            } else if (ch != '\r') {
                field.append(ch);
            }
        }
        return records;
    }

    /** Each session's statements cut into transactions at BEGIN and COMMIT/ROLLBACK, ordered by their first statement. */
    private static List<Transaction> transactions(List<Row> rows, java.util.concurrent.atomic.AtomicInteger unfinished) {
        Map<String, List<Sql>> open = new HashMap<>();
        Map<String, Integer> began = new HashMap<>();
        List<Map.Entry<Integer, Transaction>> done = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            Matcher m = LOGGED.matcher(row.message());
            m.matches();
            String text = m.group(1).strip();
            String word = text.toUpperCase(java.util.Locale.ROOT).replaceAll(";$", "");
            if (word.equals("BEGIN") || word.startsWith("BEGIN ") || word.startsWith("START TRANSACTION")) {
                open.put(row.session(), new ArrayList<>());
                began.put(row.session(), i);
            } else if (word.equals("COMMIT") || word.equals("ROLLBACK")) {
                List<Sql> statements = open.remove(row.session());
                if (statements != null && !statements.isEmpty()) {
                    done.add(Map.entry(began.remove(row.session()),
                            new Transaction(statements, word.equals("COMMIT"), false)));
                }
            } else {
                Sql sql;
                try {
                    sql = jdbc(text, parameters(row.detail()));
                } catch (IllegalStateException e) {
                    throw new IllegalStateException(e.getMessage() + " (logged with detail: " + row.detail() + ")", e);
                }
                List<Sql> statements = open.get(row.session());
                if (statements != null) {
                    statements.add(sql);
                } else {
                    done.add(Map.entry(i, new Transaction(List.of(sql), true, true)));
                }
            }
        }
        done.sort(Map.Entry.comparingByKey());
        unfinished.addAndGet(open.size());
        return done.stream().map(Map.Entry::getValue).toList();
    }

    /** {@code Parameters: $1 = 'a', $2 = NULL, ...} as the log details them (a quote inside a value doubled). */
    private static Map<Integer, String> parameters(String detail) {
        Map<Integer, String> values = new HashMap<>();
        if (detail == null || !detail.regionMatches(true, 0, "parameters: ", 0, 12)) {
            return values;
        }
        int i = 12;
        while (i < detail.length()) {
            if (detail.charAt(i) != '$') {
                throw new IllegalStateException("unreadable parameters at " + i + ": " + detail);
            }
            int eq = detail.indexOf(" = ", i);
            int n = Integer.parseInt(detail.substring(i + 1, eq));
            i = eq + 3;
            if (detail.startsWith("NULL", i)) {
                values.put(n, null);
                i += 4;
            } else {
                StringBuilder value = new StringBuilder();
                i++; // the opening quote
                while (true) {
                    if (i >= detail.length()) {
                        throw new IllegalStateException("a parameter's value is cut off in the log: " + detail);
                    }
                    char ch = detail.charAt(i++);
                    if (ch == '\'') {
                        if (i < detail.length() && detail.charAt(i) == '\'') {
                            value.append('\'');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        value.append(ch);
                    }
                }
                values.put(n, value.toString());
            }
            if (detail.startsWith(", ", i)) {
                i += 2;
            } else {
                break;
            }
        }
        return values;
    }

    /** {@code $n} placeholders (outside quotes) to JDBC's {@code ?}, the parameters listed in the order they occur. */
    private static Sql jdbc(String text, Map<Integer, String> values) {
        // What this simple rewriting cannot read right: dollar quoting, escape strings, comments, a literal '?'.
        if (UNREADABLE.matcher(text).find()) {
            throw new IllegalStateException("cannot replay a statement with dollar quoting, an escape string, a comment"
                    + " or a '?': " + text);
        }
        StringBuilder out = new StringBuilder();
        List<String> params = new ArrayList<>();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch == '\'') {
                quoted = !quoted;
            }
            if (!quoted && ch == '$' && i + 1 < text.length() && Character.isDigit(text.charAt(i + 1))) {
                int j = i + 1;
                while (j < text.length() && Character.isDigit(text.charAt(j))) {
                    j++;
                }
                int n = Integer.parseInt(text.substring(i + 1, j));
                if (!values.containsKey(n)) {
                    throw new IllegalStateException("no value logged for $" + n + " of " + text);
                }
                params.add(values.get(n));
                out.append('?');
                i = j - 1;
            } else {
                out.append(ch);
            }
        }
        return new Sql(out.toString(), params);
    }

    private static Set<String> uuids(Transaction t) {
        Set<String> found = new HashSet<>();
        for (Sql s : t.statements()) {
            collect(s.text(), found);
            s.params().forEach(p -> collect(p, found));
        }
        return found;
    }

    private static void collect(String text, Set<String> found) {
        if (text != null) {
            Matcher m = UUID_TEXT.matcher(text);
            while (m.find()) {
                found.add(m.group().toLowerCase(java.util.Locale.ROOT));
            }
        }
    }

    private static Capture group(List<Transaction> transactions, Collection<String> ids, Set<String> shared,
            Set<String> elsewhere) {
        Map<String, Set<String>> known = new LinkedHashMap<>();
        Map<String, List<Transaction>> byExecution = new LinkedHashMap<>();
        for (String id : ids) {
            known.put(id, new HashSet<>(Set.of(id.toLowerCase(java.util.Locale.ROOT))));
            byExecution.put(id, new ArrayList<>());
        }
        List<Transaction> other = new ArrayList<>();
        List<Transaction> unrelated = new ArrayList<>();
        List<Transaction> ambiguous = new ArrayList<>();
        for (Transaction t : transactions) {
            if (elsewhere.stream().anyMatch(t::touches)) {
                other.add(t);
                continue;
            }
            Set<String> named = uuids(t);
            named.removeAll(shared);
            List<String> owners = known.entrySet().stream().filter(e -> !Collections.disjoint(e.getValue(), named))
                    .map(Map.Entry::getKey).toList();
            if (owners.isEmpty()) {
                unrelated.add(t);
            } else if (owners.size() > 1) {
                ambiguous.add(t); // names two executions: neither's alone, and it must not merge their ids
            } else {
                String owner = owners.get(0);
                known.get(owner).addAll(named);
                byExecution.get(owner).add(t);
            }
        }
        return new Capture(byExecution.entrySet().stream().map(e -> new Execution(e.getKey(), e.getValue())).toList(),
                other, unrelated, ambiguous, 0);
    }

    /** Sagas per second and per-saga latencies of a replay. */
    record Replay(double perSecond, double p50, double p99) {
    }

    /**
     * Issues {@code count} executions' transactions over JDBC, {@code concurrency} executions at a
     * time, each execution's transactions one after the other as its engine ran them; every id
     * but the {@code shared} ones is replaced by a fresh one per execution, so each writes rows
     * of its own as a new execution would. Before the clock starts, each execution's
     * {@code setups} (what the benchmark did before starting it: the order it is about) are
     * issued with the same fresh ids, so that the replay finds the rows its execution found.
     */
    static Replay replay(DataSource dataSource, List<Execution> setups, List<Execution> templates, Set<String> shared,
            int count, int concurrency) throws Exception {
        List<Map<String, String>> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Map<String, String> fresh = new HashMap<>();
            if (!setups.isEmpty()) {
                replay(dataSource, setups.get(i % setups.size()), shared, fresh);
            }
            ids.add(fresh);
        }
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        ConcurrentLinkedQueue<Double> latencies = new ConcurrentLinkedQueue<>();
        List<Future<?>> runs = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < count; i++) {
            Execution template = templates.get(i % templates.size());
            Map<String, String> fresh = ids.get(i);
            runs.add(pool.submit(() -> {
                long t0 = System.nanoTime();
                replay(dataSource, template, shared, fresh);
                latencies.add((System.nanoTime() - t0) / 1e6);
                return null;
            }));
        }
        for (Future<?> run : runs) {
            run.get(10, TimeUnit.MINUTES);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        pool.shutdown();
        endReplayedExecutions(dataSource, ids);
        List<Double> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        return new Replay(count / seconds, sorted.get(sorted.size() / 2),
                sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1));
    }

    /**
     * The replayed engine rows are executions no engine runs (each replay leaves out its saga's last transaction):
     * they end here, ABORTED, so that no engine's takeover sweep ever picks them up.
     */
    private static void endReplayedExecutions(DataSource dataSource, List<Map<String, String>> ids) throws SQLException {
        String[] names = ids.stream().flatMap(m -> m.values().stream()).distinct().toArray(String[]::new);
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(
                        "update engine.executions set status = 'ABORTED', owner = null where status = 'RUNNING' and name = any(?)")) {
            s.setArray(1, c.createArrayOf("text", names));
            s.executeUpdate();
        }
    }

    private static void replay(DataSource dataSource, Execution template, Set<String> shared, Map<String, String> fresh)
            throws SQLException {
        for (Transaction t : template.transactions()) {
            try (Connection c = dataSource.getConnection()) {
                // As it ran: an autocommit statement without BEGIN and COMMIT, a transaction with them.
                c.setAutoCommit(t.autocommit());
                try {
                    List<Sql> statements = t.statements();
                    for (int from = 0; from < statements.size();) {
                        // A run of the same write is one batch, as the engine sends its history rows.
                        int to = from + 1;
                        while (to < statements.size() && statements.get(to).text().equals(statements.get(from).text())
                                && isWrite(statements.get(from).text())) {
                            to++;
                        }
                        try (PreparedStatement statement = c
                                .prepareStatement(renew(statements.get(from).text(), fresh, shared))) {
                            for (int k = from; k < to; k++) {
                                bind(statement, statements.get(k), fresh, shared);
                                if (to - from > 1) {
                                    statement.addBatch();
                                }
                            }
                            if (to - from > 1) {
                                statement.executeBatch();
                            } else {
                                statement.execute();
                            }
                        }
                        from = to;
                    }
                    if (!t.autocommit()) {
                        if (t.committed()) {
                            c.commit();
                        } else {
                            c.rollback();
                        }
                    }
                } catch (SQLException | RuntimeException e) {
                    if (!t.autocommit()) {
                        c.rollback();
                    }
                    throw e;
                } finally {
                    c.setAutoCommit(true);
                }
            }
        }
    }

    private static boolean isWrite(String sql) {
        String word = sql.stripLeading().toLowerCase(java.util.Locale.ROOT);
        return word.startsWith("insert") || word.startsWith("update") || word.startsWith("delete");
    }

    private static void bind(PreparedStatement statement, Sql s, Map<String, String> fresh, Set<String> shared)
            throws SQLException {
        for (int i = 0; i < s.params().size(); i++) {
            String value = s.params().get(i);
            if (value == null) {
                statement.setNull(i + 1, Types.OTHER);
            } else {
                // untyped, as the log shows it: the server infers the type from the statement
                statement.setObject(i + 1, renew(value, fresh, shared), Types.OTHER);
            }
        }
    }

    private static String renew(String text, Map<String, String> fresh, Set<String> shared) {
        Matcher m = UUID_TEXT.matcher(text);
        if (!m.find()) {
            return text;
        }
        m.reset();
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String id = m.group().toLowerCase(java.util.Locale.ROOT);
            m.appendReplacement(out, shared.contains(id) ? id : fresh.computeIfAbsent(id, k -> UUID.randomUUID().toString()));
        }
        m.appendTail(out);
        return out.toString();
    }
}
