package io.sagaline.api;

import static io.sagaline.support.Api.awaitDecided;
import static io.sagaline.support.Api.newCustomer;
import static io.sagaline.support.Api.newProduct;
import static io.sagaline.support.Api.order;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.support.Api;
import io.sagaline.support.Db;

/** Tenants see only their own data; Idempotency-Key makes POST /orders safe to retry. */
@QuarkusTest
class TenancyAndIdempotencyKeyTest {

    @Inject
    AgroalDataSource dataSource;

    @Test
    void anotherTenantsOrder_isNotFoundRatherThanForbidden() {
        String customer = newCustomer(10_000);
        String orderId = Api.placeOrder(customer, "tok_ok", newProduct(100, 5), 1);

        Api.as(Api.OTHER_KEY).get("/orders/" + orderId).then().statusCode(404)
                .body("detail", containsString("does not exist"));
        Api.demo().get("/orders/" + orderId).then().statusCode(200);
    }

    @Test
    void theSameSkuInTwoTenants_isTwoProducts() {
        String sku = newProduct(100, 5);
        Api.as(Api.OTHER_KEY).body(Map.of("sku", sku, "name", "Other mug", "unitPriceCents", 999, "stock", 1))
                .post("/products").then().statusCode(201);

        assertThat(Api.product(sku).getLong("unitPriceCents")).isEqualTo(100);
        Api.as(Api.OTHER_KEY).get("/products/" + sku).then().statusCode(200).body("unitPriceCents", equalTo(999));
    }

    @Test
    void theSameIdempotencyKeyAndBody_answersTheFirstResponseAndStartsNothingNew() {
        String customer = newCustomer(10_000);
        String sku = newProduct(1_000, 5);
        String key = "retry-" + UUID.randomUUID();
        Map<String, Object> body = order(customer, "tok_ok", sku, 2);

        String first = Api.demo().header("Idempotency-Key", key).body(body).post("/orders")
                .then().statusCode(202).body("status", equalTo("PENDING")).extract().path("orderId");
        awaitDecided(first);
        Api.demo().header("Idempotency-Key", key).body(body).post("/orders")
                .then().statusCode(202).header("location", "/orders/" + first)
                .body("orderId", equalTo(first), "status", equalTo("PENDING"));

        assertThat(new Db(dataSource).row("select count(*) as n from orders.orders where customer_id = ?::uuid", customer)
                .get("n"))
                .isEqualTo(1L);
        assertThat(Api.available(sku)).as("reserved once").isEqualTo(3);
    }

    @Test
    void theSameIdempotencyKeyWithAnotherBody_is422AndStartsNothing() {
        String customer = newCustomer(10_000);
        String sku = newProduct(1_000, 5);
        String key = "retry-" + UUID.randomUUID();
        Api.demo().header("Idempotency-Key", key).body(order(customer, "tok_ok", sku, 1)).post("/orders").then()
                .statusCode(202);

        Api.demo().header("Idempotency-Key", key).body(order(customer, "tok_ok", sku, 2)).post("/orders")
                .then().statusCode(422).contentType("application/problem+json").body("detail", containsString(key));

        assertThat(new Db(dataSource).row("select count(*) as n from orders.orders where customer_id = ?::uuid", customer)
                .get("n"))
                .isEqualTo(1L);
    }

    @Test
    void anIdempotencyKeyIsPerTenant() {
        String key = "shared-" + UUID.randomUUID();
        String demoOrder = Api.demo().header("Idempotency-Key", key)
                .body(order(newCustomer(10_000), "tok_ok", newProduct(100, 5), 1)).post("/orders")
                .then().statusCode(202).extract().path("orderId");
        String otherCustomer = Api.as(Api.OTHER_KEY)
                .body(Map.of("name", "Bob", "email", "bob@example.com", "creditLimitCents", 500))
                .post("/customers").then().statusCode(201).extract().path("customerId");

        String otherOrder = Api.as(Api.OTHER_KEY).header("Idempotency-Key", key)
                .body(order(otherCustomer, "tok_ok", "ANY", 1)).post("/orders")
                .then().statusCode(202).extract().path("orderId");

        assertThat(otherOrder).isNotEqualTo(demoOrder);
    }

    @Test
    void anUnusableIdempotencyKey_is400() {
        Api.demo().header("Idempotency-Key", "x".repeat(256))
                .body(order(newCustomer(10_000), "tok_ok", newProduct(100, 5), 1)).post("/orders")
                .then().statusCode(400).body("errors.field[0]", equalTo("Idempotency-Key"));
    }
}
