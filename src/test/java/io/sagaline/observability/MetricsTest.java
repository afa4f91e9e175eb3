package io.sagaline.observability;

import static io.sagaline.support.Api.awaitDecided;
import static io.sagaline.support.Api.newCustomer;
import static io.sagaline.support.Api.newProduct;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.sagaline.platform.observability.Metrics;
import io.sagaline.support.Api;

/**
 * Metrics move as the sagas run: what started and ended and why, what was compensated, how long
 * steps took, what the API answered; and Prometheus shows them at /q/metrics with the engine's,
 * the outbox's, the queues' and the circuit breaker's. Each test compares a meter before and after
 * its own orders, so that what other tests did meanwhile only ever adds.
 */
@QuarkusTest
class MetricsTest {

    @Inject
    MeterRegistry registry;

    @Test
    void aRejectedOrder_countsItsRejectionWithTheReason_itsCompensation_andItsStepsLatency() {
        double rejected = count(Metrics.SAGAS_ENDED, "machine", "place-order", "outcome", "REJECTED", "reason", "OUT_OF_STOCK");
        double released = count(Metrics.COMPENSATIONS, "machine", "place-order", "step", "release-stock", "compensates",
                "reserve-stock");
        double started = count(Metrics.SAGAS_STARTED, "machine", "place-order");
        long reserveStockRefusals = timed("reserve-stock", "io.sagaline.inventory.OutOfStock");
        double accepted = count(Metrics.HTTP_RESPONSES, "route", "POST /orders", "status", "202");

        String orderId = Api.placeOrder(newCustomer(10_000), "tok_ok", newProduct(300, 1), 2);
        assertThat(awaitDecided(orderId).getString("status")).isEqualTo("REJECTED");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(count(Metrics.SAGAS_ENDED, "machine", "place-order", "outcome", "REJECTED", "reason", "OUT_OF_STOCK"))
                    .isGreaterThanOrEqualTo(rejected + 1);
            assertThat(count(Metrics.COMPENSATIONS, "machine", "place-order", "step", "release-stock", "compensates",
                    "reserve-stock")).isGreaterThanOrEqualTo(released + 1);
        });
        assertThat(count(Metrics.SAGAS_STARTED, "machine", "place-order")).isGreaterThanOrEqualTo(started + 1);
        assertThat(count(Metrics.HTTP_RESPONSES, "route", "POST /orders", "status", "202"))
                .isGreaterThanOrEqualTo(accepted + 1);
        assertThat(timed("reserve-stock", "io.sagaline.inventory.OutOfStock")).isGreaterThanOrEqualTo(reserveStockRefusals + 1);
    }

    @Test
    void anApprovedOrder_countsItsApproval_andTheEnginesSucceededExecution() {
        double approved = count(Metrics.SAGAS_ENDED, "machine", "place-order", "outcome", "APPROVED", "reason", "none");
        double succeeded = count(Metrics.EXECUTIONS_ENDED, "machine", "place-order", "status", "SUCCEEDED");
        double invoiced = count(Metrics.MESSAGES_CONSUMED, "consumer", "issue-invoice", "outcome", "applied");

        String orderId = Api.placeOrder(newCustomer(10_000), "tok_ok", newProduct(300, 2), 1);
        assertThat(awaitDecided(orderId).getString("status")).isEqualTo("APPROVED");

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(count(Metrics.SAGAS_ENDED, "machine", "place-order", "outcome", "APPROVED", "reason", "none"))
                    .isGreaterThanOrEqualTo(approved + 1);
            assertThat(count(Metrics.EXECUTIONS_ENDED, "machine", "place-order", "status", "SUCCEEDED"))
                    .isGreaterThanOrEqualTo(succeeded + 1);
            assertThat(count(Metrics.MESSAGES_CONSUMED, "consumer", "issue-invoice", "outcome", "applied"))
                    .isGreaterThanOrEqualTo(invoiced + 1);
        });
    }

    @Test
    void prometheus_showsTheSagasTheOutboxTheQueuesAndTheCircuitBreaker() {
        String orderId = Api.placeOrder(newCustomer(10_000), "tok_ok", newProduct(300, 2), 1);
        assertThat(awaitDecided(orderId).getString("status")).isEqualTo("APPROVED");
        // the sweepers run every second in tests: each reports its outbox's backlog
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            String scraped = RestAssured.given()
                    .port(ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class))
                    .get("/q/metrics").then().statusCode(200).extract().asString();
            assertThat(scraped).contains("sagaline_sagas_started_total{machine=\"place-order\"",
                    "sagaline_saga_step_duration_seconds_bucket{", "sagaline_executions_ended_total{",
                    "sagaline_outbox_backlog{service=\"orders\"", "sagaline_outbox_oldest_age_seconds{service=\"orders\"",
                    "sagaline_queue_depth{queue=\"invoices-order-approved\"",
                    "sagaline_queue_depth{queue=\"invoices-order-approved-dlq\"", "ft_circuitbreaker_state");
        });
    }

    private double count(String name, String... tags) {
        var counter = registry.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    private long timed(String step, String outcome) {
        Timer timer = registry.find(Metrics.STEP_DURATION).tags("machine", "place-order", "step", step, "outcome", outcome)
                .timer();
        return timer == null ? 0 : timer.count();
    }
}
