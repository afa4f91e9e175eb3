package io.sagaline.orders;

import static io.sagaline.support.Api.awaitDecided;
import static io.sagaline.support.Api.demo;
import static io.sagaline.support.Api.newCustomer;
import static io.sagaline.support.Api.newProduct;
import static io.sagaline.support.Api.placeOrder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.sagaline.local.LocalFunctions;
import io.sagaline.platform.Reactive;
import io.sagaline.support.Api;
import io.sagaline.support.Db;

/**
 * Orders are their event streams: {@code GET /orders/{id}/events} lists one, {@code ?asOf=}
 * folds it up to a moment, the read model is its projection and a rebuild from the streams gives
 * the same views; an append that names a version no longer the last is refused.
 */
@QuarkusTest
class EventSourcedOrdersTest {

    @Inject
    AgroalDataSource dataSource;
    @Inject
    OrderEventStore store;
    @Inject
    LocalFunctions functions;
    @Inject
    ObjectMapper json;

    @Test
    void theStream_listsEveryEventOfTheOrderInOrder_andOnlyToItsTenant() {
        String sku = newProduct(800, 10);
        String order = placeOrder(newCustomer(50_000), "tok_ok", sku, 2);
        awaitDecided(order);

        JsonPath stream = demo().get("/orders/" + order + "/events").then().statusCode(200).extract().jsonPath();
        assertThat(stream.getString("orderId")).isEqualTo(order);
        assertThat(stream.getList("events.type")).containsExactly("OrderPlaced", "OrderApproved");
        assertThat(stream.getList("events.version", Integer.class)).containsExactly(1, 2);
        assertThat(stream.getString("events[0].data.items[0].sku")).isEqualTo(sku);
        assertThat(stream.getLong("events[1].data.totalCents")).isEqualTo(1600);
        assertThat(Instant.parse(stream.getString("events[1].occurredAt")))
                .isAfterOrEqualTo(Instant.parse(stream.getString("events[0].occurredAt")));

        Api.as(Api.OTHER_KEY).get("/orders/" + order + "/events").then().statusCode(404);
        demo().get("/orders/" + UUID.randomUUID() + "/events").then().statusCode(404);
        demo().get("/orders/nope/events").then().statusCode(404).contentType("application/problem+json");
        demo().get("/orders/nope/invoice").then().statusCode(404).contentType("application/problem+json");
        demo().get("/orders/" + UUID.randomUUID() + "/invoice").then().statusCode(404);
    }

    @Test
    void asOf_returnsTheOrderAsItWasAtEachEvent() {
        String order = placeOrder(newCustomer(50_000), "tok_ok", newProduct(800, 10), 1);
        awaitDecided(order);
        demo().post("/orders/" + order + "/cancel").then().statusCode(202);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> "CANCELLED".equals(Api.status(order)));

        JsonPath stream = demo().get("/orders/" + order + "/events").then().statusCode(200).extract().jsonPath();
        List<String> times = stream.getList("events.occurredAt");
        assertThat(times).hasSize(4);
        String[] statusAfter = { "PENDING", "APPROVED", "APPROVED", "CANCELLED" };
        for (int i = 0; i < times.size(); i++) {
            JsonPath then = demo().queryParam("asOf", times.get(i)).get("/orders/" + order).then().statusCode(200).extract()
                    .jsonPath();
            assertThat(then.getString("status")).as("after event " + (i + 1)).isEqualTo(statusAfter[i]);
        }
        JsonPath placed = demo().queryParam("asOf", times.get(0)).get("/orders/" + order).then().extract().jsonPath();
        assertThat(placed.getObject("totalCents", Long.class)).as("not priced yet").isNull();
        assertThat(placed.getObject("items[0].unitPriceCents", Long.class)).isNull();
        JsonPath approved = demo().queryParam("asOf", times.get(1)).get("/orders/" + order).then().extract().jsonPath();
        assertThat(approved.getLong("totalCents")).isEqualTo(800);

        String before = Instant.parse(times.get(0)).minusMillis(1).toString();
        demo().queryParam("asOf", before).get("/orders/" + order).then().statusCode(404);
        assertThat(demo().queryParam("asOf", "2999-01-01T00:00:00Z").get("/orders/" + order).then().statusCode(200).extract()
                .<String> path("status")).isEqualTo("CANCELLED");
        demo().queryParam("asOf", "2026-13-01").get("/orders/" + order).then().statusCode(400)
                .body("errors[0].field", org.hamcrest.Matchers.equalTo("asOf"));
        demo().queryParam("asOf", "2026-11-30T10:00:00").get("/orders/" + order).then().statusCode(400);
    }

    @Test
    void rebuildingTheProjectionFromTheStreams_yieldsTheSameViews_andRepairsAViewThatDrifted() throws Exception {
        Db db = new Db(dataSource);
        String customer = newCustomer(20_000);
        String sku = newProduct(1_000, 100);
        String approved = placeOrder(customer, "tok_ok", sku, 2);
        String rejected = placeOrder(customer, "tok_declined", sku, 1);
        awaitDecided(approved);
        awaitDecided(rejected);

        Map<String, Map<String, Object>> live = views(db);
        db.update("update orders.orders set status = 'PENDING', total_cents = null where id = ?::uuid", approved);
        db.update("delete from orders.order_lines where order_id = ?::uuid", rejected);

        var rebuilt = json.readTree(functions.invoke("rebuild-order-views", "{}".getBytes()));
        Map<String, Map<String, Object>> after = views(db);
        assertThat(rebuilt.get("orders").asInt()).isEqualTo(after.size());
        assertThat(after.keySet()).containsAll(live.keySet());
        int compared = 0;
        for (var entry : live.entrySet()) {
            Map<String, Object> now = after.get(entry.getKey());
            if (now.get("version").equals(entry.getValue().get("version"))) { // not moved on meanwhile by a running saga
                assertThat(now).as("view of " + entry.getKey()).isEqualTo(entry.getValue());
                compared++;
            }
        }
        assertThat(compared).isGreaterThanOrEqualTo(live.size() - 5);
        assertThat(after.get(approved)).isEqualTo(live.get(approved));
        assertThat(after.get(rejected)).isEqualTo(live.get(rejected));
    }

    @Test
    void anAppendNamingAStaleVersion_isRefused_andTheStreamIsUnchanged() {
        String order = placeOrder(newCustomer(50_000), "tok_ok", newProduct(800, 10), 1);
        awaitDecided(order);
        UUID id = UUID.fromString(order);
        int before = Reactive.inTransaction(() -> store.load("demo", id)).size();
        assertThat(before).isEqualTo(2);

        assertThatThrownBy(() -> Reactive.inTransaction(() -> store.append("demo", id, 1, null, "test",
                List.of(new OrderEvent.New(OrderEvent.CANCELLATION_REQUESTED,
                        json.createObjectNode().put("executionId", "x"))))))
                .isInstanceOf(ConcurrentAppend.class);
        assertThat(Reactive.inTransaction(() -> store.load("demo", id))).extracting(OrderEvent::type)
                .containsExactly("OrderPlaced", "OrderApproved");
    }

    @Test
    void concurrentCommandsOnOneOrder_areSerialisedByTheExpectedVersion_andRetried() throws Exception {
        String order = placeOrder(newCustomer(50_000), "tok_ok", newProduct(800, 10), 1);
        awaitDecided(order);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        List<java.util.concurrent.Future<Integer>> answers = new java.util.ArrayList<>();
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        for (int i = 0; i < 16; i++) {
            answers.add(pool.submit(() -> {
                go.await();
                return demo().post("/orders/" + order + "/cancel").statusCode();
            }));
        }
        go.countDown();
        for (var answer : answers) {
            assertThat(answer.get()).as("no caller sees the conflict: it is retried").isIn(202, 409);
        }
        pool.shutdown();
        JsonPath stream = demo().get("/orders/" + order + "/events").then().extract().jsonPath();
        assertThat(stream.getList("events.type").stream().filter("CancellationRequested"::equals).count()).isEqualTo(1);
        List<Integer> versions = stream.getList("events.version", Integer.class);
        for (int i = 0; i < versions.size(); i++) {
            assertThat(versions.get(i)).isEqualTo(i + 1);
        }
    }

    /** Every order view with its lines, by id. */
    private static Map<String, Map<String, Object>> views(Db db) {
        Map<String, Map<String, Object>> views = new HashMap<>();
        for (Map<String, Object> row : db
                .rows("""
                        select o.id::text as id, o.tenant, o.customer_id::text as customer, o.status, o.rejection_reason, o.total_cents,
                               o.execution_id, o.cancellation_execution_id, o.version, o.created_at, o.updated_at,
                               (select string_agg(l.line_no || ':' || l.sku || 'x' || l.quantity || '@' || coalesce(l.unit_price_cents::text, '-'),
                                                  ',' order by l.line_no) from orders.order_lines l where l.order_id = o.id) as lines
                        from orders.orders o""")) {
            views.put((String) row.get("id"), row);
        }
        return views;
    }
}
