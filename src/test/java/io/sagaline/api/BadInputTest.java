package io.sagaline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import io.sagaline.support.Api;
import io.sagaline.support.Db;

/**
 * Every route refuses bad input with a 4xx problem+json a person can act on (naming the field
 * where there is one), never a 5xx, and writes nothing.
 */
@QuarkusTest
class BadInputTest {

    static final String CUSTOMER = "{customer}";
    static final String SKU = "{sku}";

    /** One bad request: what is sent and what must come back. */
    record Case(String name, String method, String path, String apiKey, String contentType, String body, int status,
            String field, String detail) {

        @Override
        public String toString() {
            return name;
        }
    }

    static Case bad(String name, String method, String path, String body, int status, String field, String detail) {
        return new Case(name, method, path, Api.DEMO_KEY, "application/json", body, status, field, detail);
    }

    static Stream<Case> cases() {
        String order = "{\"customerId\":\"" + CUSTOMER + "\",\"items\":[{\"sku\":\"" + SKU
                + "\",\"quantity\":1}],\"paymentToken\":\"tok_ok\"}";
        return Stream.of(
                // authentication, on every kind of route
                new Case("no api key", "POST", "/customers", null, "application/json", "{}", 401, null, "x-api-key"),
                new Case("unknown api key", "GET", "/orders/" + UUID.randomUUID(), "nope", "application/json", null, 401, null,
                        "x-api-key"),
                new Case("no api key on a saga route", "POST", "/orders", null, "application/json", order, 401, null,
                        "x-api-key"),
                // the gateway
                bad("unknown route", "GET", "/nowhere", null, 404, null, "no route"),
                bad("wrong method", "DELETE", "/customers", null, 405, null, "not allowed"),
                // POST /customers
                bad("customers: malformed json", "POST", "/customers", "{\"name\": \"Ada\",", 400, null, "malformed JSON"),
                bad("customers: empty body", "POST", "/customers", "", 400, null, "body is required"),
                bad("customers: null body", "POST", "/customers", "null", 400, null, "JSON object"),
                bad("customers: array body", "POST", "/customers", "[]", 400, null, "JSON object"),
                bad("customers: missing name", "POST", "/customers", "{\"email\":\"a@b.c\",\"creditLimitCents\":1}", 400,
                        "name", null),
                bad("customers: blank name", "POST", "/customers",
                        "{\"name\":\"  \",\"email\":\"a@b.c\",\"creditLimitCents\":1}", 400, "name", null),
                bad("customers: bad email", "POST", "/customers",
                        "{\"name\":\"Ada\",\"email\":\"nope\",\"creditLimitCents\":1}", 400, "email", null),
                bad("customers: negative limit", "POST", "/customers",
                        "{\"name\":\"Ada\",\"email\":\"a@b.c\",\"creditLimitCents\":-1}", 400, "creditLimitCents", null),
                bad("customers: limit as string", "POST", "/customers",
                        "{\"name\":\"Ada\",\"email\":\"a@b.c\",\"creditLimitCents\":\"100\"}", 400, "creditLimitCents",
                        "integer"),
                bad("customers: fractional cents", "POST", "/customers",
                        "{\"name\":\"Ada\",\"email\":\"a@b.c\",\"creditLimitCents\":1.5}", 400, "creditLimitCents", null),
                bad("customers: absurd limit", "POST", "/customers",
                        "{\"name\":\"Ada\",\"email\":\"a@b.c\",\"creditLimitCents\":99999999999999999}", 400,
                        "creditLimitCents", null),
                bad("customers: unknown field", "POST", "/customers",
                        "{\"name\":\"Ada\",\"email\":\"a@b.c\",\"creditLimitCents\":1,\"vip\":true}", 400, "vip",
                        "unknown field"),
                new Case("customers: not json", "POST", "/customers", Api.DEMO_KEY, "text/plain", "name=Ada", 415, null,
                        "application/json"),
                bad("customers: NUL in a string", "POST", "/customers",
                        "{\"name\":\"Ada\\u0000\",\"email\":\"a@b.c\",\"creditLimitCents\":1}", 400, "name",
                        "control characters"),
                bad("customers: a control character in a string", "POST", "/customers",
                        "{\"name\":\"Ada\\u0007\",\"email\":\"a@b.c\",\"creditLimitCents\":1}", 400, "name",
                        "control characters"),
                bad("customers: an unpaired surrogate in a string", "POST", "/customers",
                        "{\"name\":\"Ada\\ud800\",\"email\":\"a@b.c\",\"creditLimitCents\":1}", 400, "name",
                        "unpaired surrogate"),
                bad("customers: a low surrogate alone", "POST", "/customers",
                        "{\"name\":\"\\udc00Ada\",\"email\":\"a@b.c\",\"creditLimitCents\":1}", 400, "name",
                        "unpaired surrogate"),
                bad("customers: a duplicate key", "POST", "/customers",
                        "{\"name\":\"Ada\",\"name\":\"Eve\",\"email\":\"a@b.c\",\"creditLimitCents\":1}", 400, null,
                        "Duplicate field 'name'"),
                bad("customers: a number past 2^63", "POST", "/customers",
                        "{\"name\":\"Ada\",\"email\":\"a@b.c\",\"creditLimitCents\":9223372036854775808}", 400,
                        "creditLimitCents", "out of range"),
                bad("customers: cents in exponent notation", "POST", "/customers",
                        "{\"name\":\"Ada\",\"email\":\"a@b.c\",\"creditLimitCents\":1e3}", 400, "creditLimitCents", null),
                bad("customers: cents as 100.0", "POST", "/customers",
                        "{\"name\":\"Ada\",\"email\":\"a@b.c\",\"creditLimitCents\":100.0}", 400, "creditLimitCents",
                        null),
                bad("customers: a very long name", "POST", "/customers",
                        "{\"name\":\"" + "x".repeat(20_000) + "\",\"email\":\"a@b.c\",\"creditLimitCents\":1}", 400, "name",
                        null),
                bad("customers: null name", "POST", "/customers",
                        "{\"name\":null,\"email\":\"a@b.c\",\"creditLimitCents\":1}", 400, "name", null),
                bad("customers: the name an object", "POST", "/customers",
                        "{\"name\":{},\"email\":\"a@b.c\",\"creditLimitCents\":1}", 400, "name", null),
                bad("customers: trailing garbage", "POST", "/customers",
                        "{\"name\":\"Ada\",\"email\":\"a@b.c\",\"creditLimitCents\":1} x", 400, null, null),
                // refusals of the HTTP layer, before any function
                bad("http: headers over API Gateway's 10,240 bytes", "GET", "/orders/" + UUID.randomUUID(), null, 431, null,
                        "10240"),
                bad("http: a body over 10 MB", "POST", "/customers", "{\"name\":\"" + "x".repeat(10_500_000) + "\"}", 413,
                        null, "limit"),
                bad("http: a wrong method on a known path", "PUT", "/orders", "{}", 405, null, "not allowed"),
                bad("http: a wrong method on a path with a parameter", "DELETE", "/orders/" + UUID.randomUUID(), null, 405,
                        null, "not allowed"),
                new Case("orders: xml", "POST", "/orders", Api.DEMO_KEY, "application/xml", "<order/>", 415, null,
                        "application/json"),
                bad("products: NUL in the sku path", "GET", "/products/A%00B", null, 400, "sku", "control characters"),
                bad("customers: oversized body", "POST", "/customers", "{\"name\":\"" + "x".repeat(70_000) + "\"}", 413, null,
                        "limit"),
                // GET /customers/{customerId}
                bad("customers: malformed id", "GET", "/customers/not-a-uuid", null, 404, null, "not-a-uuid"),
                bad("customers: unknown id", "GET", "/customers/" + UUID.randomUUID(), null, 404, null, "does not exist"),
                new Case("customers: another tenant's", "GET", "/customers/" + CUSTOMER, Api.OTHER_KEY, "application/json",
                        null, 404, null, "does not exist"),
                // POST /products
                bad("products: missing sku", "POST", "/products", "{\"name\":\"Mug\",\"unitPriceCents\":1,\"stock\":1}", 400,
                        "sku", null),
                bad("products: sku with spaces", "POST", "/products",
                        "{\"sku\":\"A B\",\"name\":\"Mug\",\"unitPriceCents\":1,\"stock\":1}", 400, "sku", null),
                bad("products: negative price", "POST", "/products",
                        "{\"sku\":\"P-1\",\"name\":\"Mug\",\"unitPriceCents\":-1,\"stock\":1}", 400, "unitPriceCents", null),
                bad("products: negative stock", "POST", "/products",
                        "{\"sku\":\"P-1\",\"name\":\"Mug\",\"unitPriceCents\":1,\"stock\":-5}", 400, "stock", null),
                bad("products: stock as boolean", "POST", "/products",
                        "{\"sku\":\"P-1\",\"name\":\"Mug\",\"unitPriceCents\":1,\"stock\":true}", 400, "stock", null),
                bad("products: existing sku", "POST", "/products",
                        "{\"sku\":\"" + SKU + "\",\"name\":\"Mug\",\"unitPriceCents\":1,\"stock\":1}", 409, null,
                        "already exists"),
                // GET /products/{sku}
                bad("products: unknown sku", "GET", "/products/NO-SUCH", null, 404, null, "NO-SUCH"),
                new Case("products: another tenant's", "GET", "/products/" + SKU, Api.OTHER_KEY, "application/json", null, 404,
                        null, "does not exist"),
                // POST /products/{sku}/restock
                bad("restock: zero", "POST", "/products/" + SKU + "/restock", "{\"quantity\":0}", 400, "quantity", null),
                bad("restock: negative", "POST", "/products/" + SKU + "/restock", "{\"quantity\":-3}", 400, "quantity", null),
                bad("restock: missing quantity", "POST", "/products/" + SKU + "/restock", "{}", 400, "quantity", null),
                bad("restock: quantity as string", "POST", "/products/" + SKU + "/restock", "{\"quantity\":\"5\"}", 400,
                        "quantity", null),
                bad("restock: unknown sku", "POST", "/products/NO-SUCH/restock", "{\"quantity\":5}", 404, null, "NO-SUCH"),
                // POST /orders
                bad("orders: customer id not a uuid", "POST", "/orders", order.replace(CUSTOMER, "ada"), 400, "customerId",
                        null),
                bad("orders: no items", "POST", "/orders",
                        "{\"customerId\":\"" + CUSTOMER + "\",\"items\":[],\"paymentToken\":\"tok_ok\"}", 400, "items", null),
                bad("orders: items missing", "POST", "/orders",
                        "{\"customerId\":\"" + CUSTOMER + "\",\"paymentToken\":\"tok_ok\"}", 400, "items", null),
                bad("orders: items not an array", "POST", "/orders",
                        "{\"customerId\":\"" + CUSTOMER + "\",\"items\":{},\"paymentToken\":\"tok_ok\"}", 400, "items", null),
                bad("orders: null item", "POST", "/orders",
                        "{\"customerId\":\"" + CUSTOMER + "\",\"items\":[null],\"paymentToken\":\"tok_ok\"}", 400, "items[0]",
                        null),
                bad("orders: zero quantity", "POST", "/orders", order.replace("\"quantity\":1", "\"quantity\":0"), 400,
                        "items[0].quantity", null),
                bad("orders: negative quantity", "POST", "/orders", order.replace("\"quantity\":1", "\"quantity\":-2"), 400,
                        "items[0].quantity", null),
                bad("orders: fractional quantity", "POST", "/orders", order.replace("\"quantity\":1", "\"quantity\":1.5"), 400,
                        "items[0].quantity", null),
                bad("orders: sku missing", "POST", "/orders", order.replace("\"sku\":\"" + SKU + "\",", ""), 400,
                        "items[0].sku", null),
                bad("orders: same sku twice", "POST", "/orders",
                        "{\"customerId\":\"" + CUSTOMER + "\",\"items\":[{\"sku\":\"" + SKU + "\",\"quantity\":1},{\"sku\":\""
                                + SKU + "\",\"quantity\":2}],\"paymentToken\":\"tok_ok\"}",
                        400, "items", "only once"),
                bad("orders: no payment token", "POST", "/orders", order.replace(",\"paymentToken\":\"tok_ok\"", ""), 400,
                        "paymentToken", null),
                bad("orders: unknown field", "POST", "/orders",
                        order.replace("{\"customerId\"", "{\"discount\":5,\"customerId\""), 400, "discount", "unknown field"),
                // GET /orders/{orderId}
                bad("orders: malformed id", "GET", "/orders/42", null, 404, null, "42"),
                bad("orders: unknown id", "GET", "/orders/" + UUID.randomUUID(), null, 404, null, "does not exist"),
                bad("orders: a quantity past 2^63", "POST", "/orders",
                        order.replace("\"quantity\":1", "\"quantity\":18446744073709551616"), 400, "items[0].quantity",
                        "out of range"),
                bad("orders: asOf in year -999999999 at +18:00", "GET",
                        "/orders/" + UUID.randomUUID() + "?asOf=-999999999-01-01T00:00:00%2B18:00", null, 400, "asOf", null),
                bad("orders: asOf in year -500000000", "GET",
                        "/orders/" + UUID.randomUUID() + "?asOf=-500000000-01-01T00:00:00Z",
                        null, 400, "asOf", "between"),
                bad("orders: asOf without an offset", "GET", "/orders/" + UUID.randomUUID() + "?asOf=2026-11-30T10:00:00", null,
                        400, "asOf", "offset"));
    }

    @Inject
    AgroalDataSource dataSource;

    static String customer;
    static String sku;

    @BeforeEach
    void aCustomerAndAProductToPointAt() {
        if (customer == null) {
            customer = Api.newCustomer(10_000);
            sku = Api.newProduct(100, 5);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void badInput_isA4xxProblemNamingWhatIsWrongAndWritesNothing(Case c) {
        Db db = new Db(dataSource);
        List<Object> before = counts(db);
        RequestSpecification request = Api.gateway().contentType(c.contentType()).urlEncodingEnabled(!c.path().contains("%"));
        if (c.apiKey() != null) {
            request = request.header("x-api-key", c.apiKey());
        }
        if (c.status() == 431) {
            request = request.header("x-padding", "p".repeat(10_240));
        }
        if (c.body() != null) {
            request = request.body(c.body().replace(CUSTOMER, customer).replace(SKU, sku));
        }

        ValidatableResponse response = request.request(c.method(), c.path().replace(CUSTOMER, customer).replace(SKU, sku))
                .then().statusCode(c.status())
                .contentType(startsWith("application/problem+json"))
                .body("status", equalTo(c.status()), "title", notNullValue(), "type", startsWith("https://"),
                        "detail", notNullValue());
        if (c.field() != null) {
            response.body("errors.field", hasItem(c.field()));
        }
        if (c.detail() != null) {
            response.body("detail", containsString(c.detail()));
        }
        assertThat(counts(db)).as("nothing written").isEqualTo(before);
    }

    /** Requests no HTTP client library will send: written to the socket as they are. */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = { "GET /orders/%zz HTTP/1.1", "GET /orders/%E0%A4%A HTTP/1.1",
            "GET /orders/x?asOf=%G0 HTTP/1.1" })
    void aRequestTheHttpLayerCannotDecode_isA400Problem(String requestLine) throws Exception {
        int port = org.eclipse.microprofile.config.ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        try (java.net.Socket socket = new java.net.Socket("localhost", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write((requestLine + "\r\nHost: localhost\r\nx-api-key: " + Api.DEMO_KEY
                    + "\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 400").containsIgnoringCase("content-type: application/problem+json")
                    .contains("\"status\":400");
        }
    }

    @org.junit.jupiter.api.Test
    void aBodyThatIsNotUtf8_isA400Problem_andNothingIsStored() throws Exception {
        Db db = new Db(dataSource);
        List<Object> before = counts(db);
        byte[] latin1 = "{\"name\":\"Jos\u00e9\",\"email\":\"a@b.c\",\"creditLimitCents\":1}"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        Api.gateway().header("x-api-key", Api.DEMO_KEY).contentType("application/json").body(latin1).post("/customers")
                .then().statusCode(400).contentType(startsWith("application/problem+json"))
                .body("detail", containsString("UTF-8"));
        assertThat(counts(db)).isEqualTo(before);
    }

    private static List<Object> counts(Db db) {
        return List.of(db.row("select count(*) as n from customers.customers").get("n"),
                db.row("select count(*) as n from inventory.products").get("n"),
                db.row("select coalesce(sum(stock), 0) as n from inventory.products").get("n"),
                db.row("select count(*) as n from orders.orders").get("n"));
    }
}
