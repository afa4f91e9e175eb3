package io.sagaline.local;

import static io.sagaline.support.Api.availableCredit;
import static io.sagaline.support.Api.awaitDecided;
import static io.sagaline.support.Api.newCustomer;
import static io.sagaline.support.Api.newProduct;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.asl.Execution;
import io.sagaline.asl.HistoryEvent;
import io.sagaline.asl.Interpreter;
import io.sagaline.payments.FaultyPaymentGateway;
import io.sagaline.support.Api;
import io.sagaline.support.Db;

/**
 * A second engine, playing a process that dies, runs a PlaceOrder saga on the same store until
 * the middle of AuthorizePayment and then never moves again. The surviving engine resumes it from
 * its last committed transition: the task under way is invoked again, nothing before it is
 * repeated, and the order ends as if nothing had happened. (The child-JVM kill -9 version of this
 * test is still to come.)
 */
@QuarkusTest
class CrashRecoveryTest {

    @Inject
    LocalStepFunctions engine;
    @Inject
    LocalFunctions functions;
    @Inject
    ObjectMapper json;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    FaultyPaymentGateway gateway;

    @Test
    void anExecutionWhoseEngineDiedMidTask_isResumedFromItsLastCommitAndEndsOnce() throws Exception {
        String customer = newCustomer(10_000);
        String sku = newProduct(1_000, 5);
        String orderId = UUID.randomUUID().toString();
        String executionArn = "arn:aws:states:us-east-1:000000000000:execution:place-order:" + orderId;
        new Db(dataSource).placePendingOrder(orderId, customer, executionArn, sku, 2);

        CountDownLatch died = new CountDownLatch(1);
        ScheduledExecutorService doomed = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "doomed-engine");
            t.setDaemon(true);
            return t;
        });
        Interpreter dying = new Interpreter((resource, payload, timeout) -> {
            String function = resource.substring(resource.lastIndexOf(':') + 1);
            if (function.equals("authorize-payment")) {
                died.countDown();
                while (true) {
                    LockSupport.park(); // the process is gone: this engine never moves again
                }
            }
            try {
                return json.readTree(functions.invoke(function, payload.toString().getBytes(StandardCharsets.UTF_8)));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }, new Interpreter.Scheduler() {
            @Override
            public void run(Runnable work) {
                doomed.execute(work);
            }

            @Override
            public void after(Duration delay, Runnable work) {
                doomed.schedule(work, delay.toMillis(), TimeUnit.MILLISECONDS);
            }
        }, Clock.systemUTC(), engine.store());
        JsonNode input = json.readTree("{\"tenant\":\"demo\",\"orderId\":\"" + orderId + "\",\"customerId\":\"" + customer
                + "\",\"items\":[{\"sku\":\"" + sku + "\",\"quantity\":2}],\"paymentToken\":\"tok_ok\"}");
        dying.start(executionArn, orderId, LocalStepFunctions.stateMachineArn("place-order"),
                engine.machine(LocalStepFunctions.stateMachineArn("place-order")), input);
        assertThat(died.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(Api.available(sku)).as("stock was reserved before the crash").isEqualTo(3);

        assertThat(engine.resumeOrphans()).isEqualTo(1);

        assertThat(awaitDecided(orderId).getString("status")).isEqualTo("APPROVED");
        Execution execution = engine.execution(executionArn).orElseThrow();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> engine.execution(executionArn).orElseThrow().status() != Execution.Status.RUNNING);
        execution = engine.execution(executionArn).orElseThrow();
        assertThat(execution.status()).isEqualTo(Execution.Status.SUCCEEDED);
        assertThat(Api.available(sku)).as("reserved once, not again after the restart").isEqualTo(3);
        assertThat(availableCredit(customer)).as("credit taken once").isEqualTo(8_000);
        assertThat(gateway.authorizeCalls("demo:" + orderId)).isEqualTo(1);
        assertThat(execution.history().stream().filter(e -> e.type().equals("LambdaFunctionScheduled"))
                .map(e -> e.details().get("resource").asText().replaceAll(".*:", "")))
                .as("the task under way when the engine died is scheduled again; nothing before it is")
                .containsExactly("check-order", "reserve-stock", "reserve-credit", "authorize-payment", "authorize-payment",
                        "approve-order");
        assertThat(execution.history()).extracting(HistoryEvent::id)
                .as("one history, numbered without gaps across the crash")
                .containsExactlyElementsOf(
                        java.util.stream.LongStream.rangeClosed(1, execution.history().size()).boxed().toList());
    }
}
