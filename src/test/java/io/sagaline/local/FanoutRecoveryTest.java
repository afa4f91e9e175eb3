package io.sagaline.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.asl.Execution;
import io.sagaline.asl.HistoryEvent;
import io.sagaline.asl.Interpreter;
import io.sagaline.asl.StateMachine;
import io.sagaline.support.Db;

/**
 * A Map whose engine dies while its third iteration runs: the two iterations that had ended were
 * committed with their outputs and the third with its position, so the engine that takes over goes
 * on with the third's task (invoked again: at least once) and then the fourth, with the variables
 * assigned before the crash, and the Map's output is what it would have been without it.
 */
@QuarkusTest
class FanoutRecoveryTest {

    private static final String WORK = "arn:aws:lambda:us-east-1:000000000000:function:work";

    @Inject
    LocalStepFunctions engine;
    @Inject
    ObjectMapper json;
    @Inject
    AgroalDataSource dataSource;

    @Test
    void aMapWhoseEngineDiedMidIteration_runsOnlyTheIterationsThatHadNotEnded() throws Exception {
        StateMachine machine = StateMachine.parse("fanout-test", json.readTree("""
                {"StartAt": "Factor", "States": {
                  "Factor": {"Type": "Pass", "Assign": {"factor": 10}, "Next": "Each"},
                  "Each": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1,
                  "ItemProcessor": {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "%s",
                    "Parameters": {"n.$": "$", "factor.$": "$factor"}, "End": true}}},
                  "ResultPath": "$.results", "End": true}}}""".formatted(WORK)));
        String name = UUID.randomUUID().toString();
        String arn = "arn:aws:states:us-east-1:000000000000:execution:fanout-test:" + name;

        CountDownLatch died = new CountDownLatch(1);
        ConcurrentLinkedQueue<Integer> beforeCrash = new ConcurrentLinkedQueue<>();
        Interpreter dying = interpreter((resource, payload, timeout) -> {
            beforeCrash.add(payload.get("n").asInt());
            if (payload.get("n").asInt() == 3) {
                died.countDown();
                while (true) {
                    LockSupport.park(); // the process is gone: this engine never moves again
                }
            }
            return IntNode.valueOf(payload.get("n").asInt() * payload.get("factor").asInt());
        });
        dying.start(arn, name, "arn:aws:states:us-east-1:000000000000:stateMachine:fanout-test", machine,
                json.readTree("{\"items\": [1, 2, 3, 4]}"));
        assertThat(died.await(30, TimeUnit.SECONDS)).isTrue();

        Execution restored = engine.store().find(arn).orElseThrow();
        ConcurrentLinkedQueue<Integer> afterCrash = new ConcurrentLinkedQueue<>();
        interpreter((resource, payload, timeout) -> {
            afterCrash.add(payload.get("n").asInt());
            return IntNode.valueOf(payload.get("n").asInt() * payload.get("factor").asInt());
        }).resume(restored);

        assertThat(restored.awaitEnd(30, TimeUnit.SECONDS)).isTrue();
        assertThat(restored.status()).isEqualTo(Execution.Status.SUCCEEDED);
        assertThat(restored.output().get("results")).isEqualTo(json.readTree("[10, 20, 30, 40]"));
        assertThat(beforeCrash).containsExactly(1, 2, 3);
        assertThat(afterCrash).as("the iterations committed as ended are not run again").containsExactly(3, 4);
        List<HistoryEvent> history = committedEnd(arn).history();
        assertThat(history.stream().filter(e -> e.type().equals("MapIterationStarted"))
                .map(e -> e.details().get("index").asInt()))
                .as("the iteration under way at the crash goes on where it stood: no iteration starts twice")
                .containsExactly(0, 1, 2, 3);
        assertThat(history.stream().map(HistoryEvent::type).filter(t -> t.startsWith("Map") || t.startsWith("Execution")))
                .startsWith("ExecutionStarted", "MapStateEntered", "MapStateStarted")
                .endsWith("MapStateSucceeded", "MapStateExited", "ExecutionSucceeded");
        assertThat(history).extracting(HistoryEvent::id).as("one history, numbered without gaps across the crash")
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, history.size()).boxed().toList());
    }

    @Test
    void aMapWhoseItemInputsDifferAfterTheCrash_runsEveryIterationAgain() throws Exception {
        StateMachine machine = StateMachine.parse("fanout-uuid", json.readTree("""
                {"StartAt": "Each", "States": {"Each": {"Type": "Map", "MaxConcurrency": 1,
                  "ItemSelector": {"n.$": "$$.Map.Item.Value", "id.$": "States.UUID()"},
                  "ItemProcessor": {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "%s", "End": true}}},
                  "End": true}}}""".formatted(WORK)));
        String name = UUID.randomUUID().toString();
        String arn = "arn:aws:states:us-east-1:000000000000:execution:fanout-uuid:" + name;
        CountDownLatch died = new CountDownLatch(1);
        interpreter((resource, payload, timeout) -> {
            if (payload.get("n").asInt() == 2) {
                died.countDown();
                while (true) {
                    LockSupport.park();
                }
            }
            return payload.get("id");
        }).start(arn, name, "arn:aws:states:us-east-1:000000000000:stateMachine:fanout-uuid", machine,
                json.readTree("[1, 2]"));
        assertThat(died.await(30, TimeUnit.SECONDS)).isTrue();

        Execution restored = engine.store().find(arn).orElseThrow();
        ConcurrentLinkedQueue<JsonNode> afterCrash = new ConcurrentLinkedQueue<>();
        interpreter((resource, payload, timeout) -> {
            afterCrash.add(payload);
            return payload.get("id");
        }).resume(restored);

        assertThat(restored.awaitEnd(30, TimeUnit.SECONDS)).isTrue();
        assertThat(afterCrash).extracting(p -> p.get("n").asInt())
                .as("a committed end is not paired with an item input it was not computed from").containsExactly(1, 2);
        assertThat(restored.output()).containsExactlyElementsOf(afterCrash.stream().map(p -> (JsonNode) p.get("id")).toList());
    }

    @Test
    void aRedrivenParallel_runsAgainOnlyTheBranchesThatDidNotSucceed_evenOneThatFailedWithoutAnErrorName() throws Exception {
        StateMachine machine = StateMachine.parse("fanout-redrive", json.readTree("""
                {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": true, "Branches": [
                  {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "%s", "End": true}}},
                  {"StartAt": "Check", "States": {"Check": {"Type": "Task", "Resource": "%s", "Next": "Judge"},
                    "Judge": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": true, "Next": "Fine"}],
                              "Default": "Quit"},
                    "Fine": {"Type": "Pass", "Result": "fine", "End": true},
                    "Quit": {"Type": "Fail", "Cause": "not yet"}}}]}}}""".formatted(WORK, WORK + "-check")));
        String name = UUID.randomUUID().toString();
        String arn = "arn:aws:states:us-east-1:000000000000:execution:fanout-redrive:" + name;
        ConcurrentLinkedQueue<String> calls = new ConcurrentLinkedQueue<>();
        java.util.concurrent.atomic.AtomicBoolean ready = new java.util.concurrent.atomic.AtomicBoolean();
        Db db = new Db(dataSource);
        Interpreter engineRun = interpreter((resource, payload, timeout) -> {
            calls.add(resource.substring(resource.lastIndexOf(':') + 1));
            if (!resource.endsWith("-check")) {
                return IntNode.valueOf(7);
            }
            if (!ready.get()) {
                // Fail only once the other branch's end is committed: a branch still running when its
                // Parallel fails has not succeeded, and a redrive rightly runs it again.
                await().atMost(Duration.ofSeconds(30)).until(() -> "7".equals(db.row(
                        "select branches -> 'ends' -> 0 ->> 'output' as work from engine.executions where arn = ?", arn)
                        .get("work")));
            }
            return json.createObjectNode().put("ok", ready.get());
        });

        Execution execution = engineRun.start(arn, name, "arn:aws:states:us-east-1:000000000000:stateMachine:fanout-redrive",
                machine, json.readTree("{}"));
        assertThat(execution.awaitEnd(30, TimeUnit.SECONDS)).isTrue();
        assertThat(execution.status()).isEqualTo(Execution.Status.FAILED);
        assertThat(execution.error()).as("the Fail state names no error").isNull();
        assertThat(execution.cause()).isEqualTo("not yet");

        ready.set(true);
        Execution stored = committedEnd(arn);
        assertThat(engineRun.redrive(stored)).isTrue();
        assertThat(stored.awaitEnd(30, TimeUnit.SECONDS)).isTrue();

        assertThat(stored.status()).isEqualTo(Execution.Status.SUCCEEDED);
        assertThat(stored.output()).isEqualTo(json.readTree("[7, \"fine\"]"));
        assertThat(calls).as("the branch that had succeeded is not run again; the failed one is")
                .containsExactlyInAnyOrder("work", "work-check", "work-check");
    }

    /** The execution as the store has it once its end is committed (awaitEnd returns as it ends, before the commit). */
    private Execution committedEnd(String arn) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> engine.store().find(arn).orElseThrow(),
                e -> e.status() != Execution.Status.RUNNING);
    }

    private Interpreter interpreter(Interpreter.TaskInvoker tasks) {
        ExecutorService workers = Executors.newFixedThreadPool(2, FanoutRecoveryTest::daemon);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(FanoutRecoveryTest::daemon);
        return new Interpreter(tasks, Interpreter.Scheduler.on(workers, timer), Clock.systemUTC(), engine.store());
    }

    private static Thread daemon(Runnable r) {
        Thread t = new Thread(r, "fanout-test-engine");
        t.setDaemon(true);
        return t;
    }
}
