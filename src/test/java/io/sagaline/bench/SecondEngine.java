package io.sagaline.bench;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import io.sagaline.support.DevChild;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sfn.SfnClient;

/**
 * A second engine process on the benchmark's database: the built application (DevChild) with its own
 * engine, started through its Step Functions API as any caller starts an execution; its executions'
 * ends are seen in the store, where both engines commit (one query every few milliseconds for all
 * that are pending, so a latency here is up to that much longer than the engine's own).
 */
final class SecondEngine implements AutoCloseable {

    private static final long POLL_MILLIS = 5;

    private final DevChild child;
    private final SfnClient sfn;
    private final DataSource dataSource;
    private final Map<String, CompletableFuture<String>> pending = new ConcurrentHashMap<>();
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "second-engine-poller");
        t.setDaemon(true);
        return t;
    });

    SecondEngine(DataSource dataSource) throws Exception {
        this.dataSource = dataSource;
        // No queue consumers in the child: the consumers of this JVM do that work, as in the one-engine rows.
        this.child = DevChild.start("bench-second-engine", "sagaline.local.queues.poll=false");
        this.sfn = SfnClient.builder().endpointOverride(URI.create(child.url())).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.create()).build();
        poller.scheduleWithFixedDelay(this::poll, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Starts an execution on the second engine; the future completes with its status once it has ended. */
    CompletableFuture<String> start(String stateMachineArn, String name, String input) {
        CompletableFuture<String> ended = new CompletableFuture<>();
        pending.put(name, ended);
        sfn.startExecution(r -> r.stateMachineArn(stateMachineArn).name(name).input(input));
        return ended;
    }

    private void poll() {
        if (pending.isEmpty()) {
            return;
        }
        List<String> names = new ArrayList<>(pending.keySet());
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(
                        "select name, status from engine.executions where status <> 'RUNNING' and name = any(?)")) {
            s.setArray(1, c.createArrayOf("text", names.toArray()));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    CompletableFuture<String> ended = pending.remove(r.getString(1));
                    if (ended != null) {
                        ended.complete(r.getString(2));
                    }
                }
            }
        } catch (Exception e) {
            List<CompletableFuture<String>> all = new ArrayList<>(pending.values());
            pending.clear();
            all.forEach(f -> f.completeExceptionally(e));
        }
    }

    /** Who ran the executions named: the owner of each row's lease (this JVM's engine or the child's). */
    Map<String, Long> owners(List<String> names) throws Exception {
        Map<String, Long> owners = new java.util.TreeMap<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(
                        "select coalesce(owner, '(none)'), count(*) from engine.executions where name = any(?) group by 1")) {
            s.setArray(1, c.createArrayOf("text", names.toArray()));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    owners.put(r.getString(1), r.getLong(2));
                }
            }
        }
        return Collections.unmodifiableMap(owners);
    }

    @Override
    public void close() throws Exception {
        poller.shutdownNow();
        sfn.close();
        child.stop();
    }
}
