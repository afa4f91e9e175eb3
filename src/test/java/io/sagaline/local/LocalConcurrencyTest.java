package io.sagaline.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.payments.FaultyPaymentGateway;
import io.sagaline.platform.Catalog;

/**
 * The local runtime's Lambda concurrency: at most so many invocations run, the next ones wait for
 * a sandbox (their timeout not yet running), and beyond the waiting room they are throttled at
 * once, as Lambda throttles, instead of waiting without end.
 */
@QuarkusTest
class LocalConcurrencyTest {

    @Inject
    Catalog catalog;
    @Inject
    io.sagaline.platform.observability.Telemetry telemetry;
    @Inject
    FaultyPaymentGateway gateway;

    @Test
    void withOneSandboxAndOneWaitingPlace_theThirdInvocationIsThrottled_andTheWaitingOneRunsWhenTheSandboxFrees()
            throws Exception {
        LocalFunctions pool = new LocalFunctions(catalog, telemetry, 1, 1);
        CountDownLatch inGateway = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        holdTheNextAuthorization(inGateway, release);
        try {
            var running = pool.invokeAsync("authorize-payment", authorization(), null);
            assertThat(inGateway.await(30, TimeUnit.SECONDS)).isTrue();
            var waiting = pool.invokeAsync("authorize-payment", authorization(), null);
            var throttled = pool.invokeAsync("authorize-payment", authorization(), null);

            assertThat(throttled).isCompletedExceptionally();
            assertThat(failure(throttled)).isInstanceOf(LocalFunctions.Throttled.class)
                    .satisfies(f -> assertThat(f.errorType()).isEqualTo("TooManyRequestsException"));
            assertThat(waiting).isNotDone();

            release.countDown();
            assertThat(new String(running.get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8)).contains("authorizationId");
            assertThat(new String(waiting.get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8)).contains("authorizationId");
        } finally {
            release.countDown();
            pool.stop();
        }
    }

    @Test
    void aTaskStatesTimeoutCountsWhileItWaitsForASandbox_andStoppingAnswersEveryInvocationStillOpen() throws Exception {
        LocalFunctions pool = new LocalFunctions(catalog, telemetry, 1, 2);
        CountDownLatch inGateway = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        holdTheNextAuthorization(inGateway, release);
        try {
            var running = pool.invokeAsync("authorize-payment", authorization(), null);
            assertThat(inGateway.await(30, TimeUnit.SECONDS)).isTrue();
            var task = pool.invokeAsync("authorize-payment", authorization(), 1);
            var waiting = pool.invokeAsync("authorize-payment", authorization(), null);

            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(task::isDone);
            assertThat(failure(task).errorType()).as("its TimeoutSeconds ran out in the queue").isEqualTo("States.Timeout");

            pool.stop();
            assertThat(failure(waiting).errorType()).isEqualTo("Sandbox.Shutdown");
            assertThat(failure(running).errorType()).isEqualTo("Sandbox.Shutdown");
        } finally {
            release.countDown();
            pool.stop();
        }
    }

    /** The gateway's next answer waits, the sandbox with it: {@code entered} when it does, until {@code release}. */
    private void holdTheNextAuthorization(CountDownLatch entered, CountDownLatch release) {
        gateway.beforeNextAnswer(() -> {
            entered.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private static byte[] authorization() {
        String order = UUID.randomUUID().toString();
        return ("{\"tenant\":\"demo\",\"orderId\":\"" + order + "\",\"executionId\":\"arn:aws:states:us-east-1:000000000000:"
                + "execution:place-order:" + order + "\",\"amountCents\":100,\"paymentToken\":\"tok_ok\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static LocalFunctions.FunctionFailure failure(java.util.concurrent.CompletableFuture<byte[]> future) {
        try {
            future.get();
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            return (LocalFunctions.FunctionFailure) e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
