package io.sagaline.observability;

import static io.sagaline.support.Api.awaitDecided;
import static io.sagaline.support.Api.newCustomer;
import static io.sagaline.support.Api.newProduct;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.sagaline.support.Api;

/**
 * Logs that link up: every answer names its request ({@code apigw-requestid}, and {@code requestId}
 * in every problem), every request has one access line, and every line an order's flow logs
 * carries its trace and the ids of what it belongs to: the request, the saga step, the message.
 */
@QuarkusTest
class CorrelationTest {

    /** A line as it was logged: logger, message and the logging context it had then. */
    record Line(String logger, String message, Map<String, String> mdc) {
        String mdc(String key) {
            return mdc.get(key);
        }
    }

    @Test
    void everyAnswerNamesItsRequest_andEveryProblemTooInItsBody() {
        Response found = Api.demo().get("/orders/" + UUID.randomUUID());
        assertThat(found.statusCode()).isEqualTo(404);
        assertThat(found.header("apigw-requestid")).isNotBlank();
        assertThat(found.jsonPath().getString("requestId")).isEqualTo(found.header("apigw-requestid"));

        Response noKey = Api.gateway().get("/orders/" + UUID.randomUUID());
        assertThat(noKey.statusCode()).isEqualTo(401);
        assertThat(noKey.jsonPath().getString("requestId")).isEqualTo(noKey.header("apigw-requestid")).isNotBlank();

        Response noRoute = Api.demo().get("/no-such-route");
        assertThat(noRoute.statusCode()).isEqualTo(404);
        assertThat(noRoute.jsonPath().getString("requestId")).isEqualTo(noRoute.header("apigw-requestid")).isNotBlank();

        Response badBody = Api.demo().contentType("application/json").body("{\"customerId\": ").post("/orders");
        assertThat(badBody.statusCode()).isEqualTo(400);
        assertThat(badBody.jsonPath().getString("requestId")).isEqualTo(badBody.header("apigw-requestid")).isNotBlank();

        Response ok = Api.demo().get("/products/" + newProduct(100, 1));
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.header("apigw-requestid")).isNotBlank()
                .isNotIn(found.header("apigw-requestid"), noKey.header("apigw-requestid"));
    }

    @Test
    void everyRequest_hasOneAccessLineWithItsIdAndTrace() {
        List<Line> lines = new CopyOnWriteArrayList<>();
        Handler capture = capture(lines);
        try {
            Response missing = Api.demo().get("/orders/" + UUID.randomUUID());
            Response noKey = Api.gateway().get("/customers/" + UUID.randomUUID());
            await().atMost(Duration.ofSeconds(10)).until(() -> access(lines, missing).size() == 1
                    && access(lines, noKey).size() == 1);
            Line line = access(lines, missing).get(0);
            assertThat(line.message()).contains("method=GET", "route=\"GET /orders/{orderId}\"", "status=404");
            assertThat(line.mdc("traceId")).matches("[0-9a-f]{32}");
            assertThat(access(lines, noKey).get(0).message()).contains("status=401");
        } finally {
            Logger.getLogger("").removeHandler(capture);
        }
    }

    @Test
    void everyLineOfAnOrdersFlow_carriesItsTraceAndTheIdsOfItsRequestStepOrMessage() {
        List<Line> lines = new CopyOnWriteArrayList<>();
        Handler capture = capture(lines);
        String orderId;
        try {
            orderId = Api.placeOrder(newCustomer(10_000), "tok_ok", newProduct(300, 3), 1);
            assertThat(awaitDecided(orderId).getString("status")).isEqualTo("APPROVED");
            String order = orderId;
            // both consumers of the verdict have taken it
            for (String consumer : List.of("consumer=issue-invoice", "consumer=record-notification")) {
                await().atMost(Duration.ofSeconds(30)).until(() -> lines.stream()
                        .anyMatch(l -> l.message().contains(consumer) && order.equals(l.mdc("correlationId"))));
            }
        } finally {
            Logger.getLogger("").removeHandler(capture);
        }
        String order = orderId;
        String traceId = lines.stream().filter(l -> l.logger().equals("io.sagaline.saga") && order.equals(l.mdc("orderId")))
                .findFirst().orElseThrow().mdc("traceId");
        // the lines of the order's trace, and every other line about it (its polls, its messages)
        List<Line> ofTheOrder = lines.stream()
                .filter(l -> traceId.equals(l.mdc("traceId")) || order.equals(l.mdc("orderId"))
                        || order.equals(l.mdc("correlationId")) || l.message().contains(order))
                .toList();
        // the request, the five steps and the two consumers of the verdict are all there, in the order's trace
        assertThat(ofTheOrder).filteredOn(l -> traceId.equals(l.mdc("traceId"))).extracting(Line::message)
                .anySatisfy(m -> assertThat(m).contains("route=\"POST /orders\""))
                .anySatisfy(m -> assertThat(m).contains("step=check-order"))
                .anySatisfy(m -> assertThat(m).contains("step=approve-order"))
                .anySatisfy(m -> assertThat(m).contains("consumer=issue-invoice"))
                .anySatisfy(m -> assertThat(m).contains("consumer=record-notification"));
        assertThat(ofTheOrder).allSatisfy(l -> {
            assertThat(l.mdc("traceId")).as("traceId of %s", l).matches("[0-9a-f]{32}");
            switch (l.logger()) {
                case "io.sagaline.access" -> assertThat(l.mdc("requestId")).as("requestId of %s", l).isNotBlank();
                case "io.sagaline.saga" ->
                    assertThat(java.util.Arrays.asList(l.mdc("executionId"), l.mdc("orderId"), l.mdc("tenant")))
                            .as("step ids of %s", l).doesNotContainNull();
                default -> assertThat(java.util.Arrays.asList(l.mdc("requestId"), l.mdc("executionId"), l.mdc("messageId"),
                        l.mdc("notificationId")))
                        .as("what %s belongs to", l).anyMatch(id -> id != null && !id.isBlank());
            }
        });
    }

    private static List<Line> access(List<Line> lines, Response response) {
        return lines.stream().filter(l -> l.logger().equals("io.sagaline.access")
                && response.header("apigw-requestid").equals(l.mdc("requestId"))).toList();
    }

    private static Handler capture(List<Line> lines) {
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLoggerName() != null && record.getLoggerName().startsWith("io.sagaline")
                        && record instanceof ExtLogRecord r) {
                    Map<String, String> mdc = new java.util.HashMap<>();
                    r.getMdcCopy().forEach((k, v) -> mdc.put(k, String.valueOf(v)));
                    lines.add(new Line(record.getLoggerName(), r.getFormattedMessage(), mdc));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger.getLogger("").addHandler(handler);
        return handler;
    }
}
