package io.sagaline.observability;

import static io.sagaline.support.Api.awaitDecided;
import static io.sagaline.support.Api.newCustomer;
import static io.sagaline.support.Api.newProduct;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.local.LocalStepFunctions;
import io.sagaline.local.LocalTraces;
import io.sagaline.support.Api;

/**
 * One order, one trace: from the HTTP request through the saga's execution, its states, tasks and
 * compensations, the outbox and the queue, to the consumers. The test sends its own W3C
 * {@code traceparent}, so it knows the trace it must find, and follows parent links, not names.
 */
@QuarkusTest
class TracesTest {

    private static final AttributeKey<String> STATE = AttributeKey.stringKey("aws.step_functions.state.name");
    private static final AttributeKey<String> ERROR = AttributeKey.stringKey("aws.step_functions.error");

    @Inject
    LocalTraces traces;
    @Inject
    LocalStepFunctions stepFunctions;

    @Test
    void anApprovedOrder_isOneTraceFromItsHttpRequestToTheInvoiceConsumer() {
        String traceId = hex(16);
        String callerSpan = hex(8);
        String orderId = placeOrder(traceId, callerSpan, newCustomer(10_000), "tok_ok", newProduct(700, 5), 1);
        assertThat(awaitDecided(orderId).getString("status")).isEqualTo("APPROVED");

        SpanData consumer = awaitSpan(traceId, s -> s.getName().equals("issue-invoice process"));
        List<SpanData> trace = traces.trace(traceId);
        SpanData request = only(trace, s -> s.getName().equals("POST /orders") && s.getKind() == SpanKind.SERVER
                && s.getParentSpanId().equals(callerSpan));
        assertThat(request.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(202L);

        // the consumer's ancestors lead back to the request, through the outbox send, a saga step,
        // the task state that ran it and the execution StartExecution began
        List<String> path = ancestors(trace, consumer).stream().map(SpanData::getName).toList();
        assertThat(path).containsSubsequence("issue-invoice process", "OrderApproved publish", "approve-order",
                "ApproveOrder", "place-order", "StartExecution", "POST /orders");
        assertThat(path.get(path.size() - 1)).isEqualTo("POST /orders");
        assertThat(consumer.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(consumer.getAttributes().get(AttributeKey.stringKey("sagaline.outcome"))).isEqualTo("applied");

        // each state of the happy path once, none failed
        Map<String, Long> states = trace.stream().filter(s -> s.getAttributes().get(STATE) != null)
                .collect(Collectors.groupingBy(s -> s.getAttributes().get(STATE), Collectors.counting()));
        assertThat(states).containsOnlyKeys("CheckOrder", "ReserveStock", "ReserveCredit", "AuthorizePayment",
                "ApproveOrder");
        assertThat(states.values()).containsOnly(1L);
        assertThat(trace).filteredOn(s -> s.getAttributes().get(STATE) != null)
                .allSatisfy(s -> assertThat(s.getStatus().getStatusCode()).isNotEqualTo(StatusCode.ERROR));

        // Step Functions knows the execution's trace: DescribeExecution's traceHeader names it
        String executionArn = Api.get("/orders/" + orderId, 200).path("executionId").asText();
        String header = stepFunctions.execution(executionArn).orElseThrow().traceHeader();
        assertThat(header).startsWith("Root=1-" + traceId.substring(0, 8) + "-" + traceId.substring(8));
    }

    @Test
    void aRejectedOrdersTrace_marksTheFailedStepAndShowsItsCompensations() {
        String traceId = hex(16);
        String orderId = placeOrder(traceId, hex(8), newCustomer(10_000), "tok_ok", newProduct(700, 1), 3);
        assertThat(awaitDecided(orderId).getString("status")).isEqualTo("REJECTED");

        SpanData rejectOrder = awaitSpan(traceId, s -> "RejectOrder".equals(s.getAttributes().get(STATE)));
        List<SpanData> trace = traces.trace(traceId);
        SpanData reserveStock = only(trace, s -> "ReserveStock".equals(s.getAttributes().get(STATE)));
        assertThat(reserveStock.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(reserveStock.getAttributes().get(ERROR)).contains("OutOfStock");
        assertThat(reserveStock.getAttributes().get(AttributeKey.stringKey("aws.step_functions.caught_by")))
                .isEqualTo("RejectedOutOfStock");
        // the compensation ran in the same trace, and says what it undid
        SpanData releaseStock = only(trace, s -> s.getName().equals("release-stock")
                && s.getAttributes().get(AttributeKey.stringKey("sagaline.compensates")) != null);
        assertThat(releaseStock.getAttributes().get(AttributeKey.stringKey("sagaline.compensates"))).isEqualTo("reserve-stock");
        assertThat(trace).noneMatch(s -> "ReserveCredit".equals(s.getAttributes().get(STATE)));
        assertThat(rejectOrder.getStatus().getStatusCode()).isNotEqualTo(StatusCode.ERROR);
        // the saga step's own span carries the business error it ended with
        SpanData step = only(trace, s -> s.getName().equals("reserve-stock")
                && s.getAttributes().get(AttributeKey.stringKey("sagaline.outcome")) != null);
        assertThat(step.getAttributes().get(AttributeKey.stringKey("sagaline.outcome"))).contains("OutOfStock");
        assertThat(step.getAttributes().get(AttributeKey.stringKey("sagaline.order_id"))).isEqualTo(orderId);
    }

    private String placeOrder(String traceId, String parentSpan, String customerId, String token, Object... items) {
        return Api.demo().header("traceparent", "00-" + traceId + "-" + parentSpan + "-01")
                .contentType("application/json").body(Api.order(customerId, token, items)).post("/orders").then()
                .statusCode(202).extract().path("orderId");
    }

    private SpanData awaitSpan(String traceId, java.util.function.Predicate<SpanData> which) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> traces.trace(traceId).stream().filter(which).findFirst(),
                Optional::isPresent).orElseThrow();
    }

    private static SpanData only(List<SpanData> trace, java.util.function.Predicate<SpanData> which) {
        List<SpanData> found = trace.stream().filter(which).toList();
        assertThat(found).as("spans matching in %s", trace.stream().map(SpanData::getName).toList()).hasSize(1);
        return found.get(0);
    }

    /** {@code span} and its ancestors within the trace, nearest first. */
    private static List<SpanData> ancestors(List<SpanData> trace, SpanData span) {
        Map<String, SpanData> byId = trace.stream().collect(Collectors.toMap(SpanData::getSpanId, Function.identity()));
        List<SpanData> path = new java.util.ArrayList<>();
        for (SpanData s = span; s != null; s = byId.get(s.getParentSpanId())) {
            path.add(s);
        }
        return path;
    }

    private static String hex(int bytes) {
        byte[] b = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(b);
        b[0] |= 1; // never all zeros (an invalid id)
        return HexFormat.of().formatHex(b);
    }
}
