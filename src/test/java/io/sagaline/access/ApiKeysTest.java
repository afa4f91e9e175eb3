package io.sagaline.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.sagaline.local.LocalFunctions;
import io.sagaline.platform.Catalog;
import io.sagaline.support.Api;
import io.sagaline.support.Db;
import io.sagaline.support.ManualClock;

/**
 * API keys with scopes, end to end through the local gateway, whose authorizer call is the one API
 * Gateway makes in AWS: every route of the catalog refuses a missing, unknown, revoked or expired
 * key (401) and a key without its scope (403), writing nothing; a key is kept only as its hash;
 * a rotation keeps both keys valid for its overlap and no longer.
 */
@QuarkusTest
class ApiKeysTest {

    @Inject
    LocalFunctions functions;
    @Inject
    ObjectMapper json;
    @Inject
    Catalog catalog;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    io.sagaline.local.LocalGateway gateway;

    private JsonNode manage(Map<String, Object> command) {
        try {
            return json.readTree(functions.invoke("manage-api-keys", json.writeValueAsBytes(command)));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private JsonNode create(String tenant, String... scopes) {
        return manage(Map.of("action", "create", "tenant", tenant, "name", "test key", "scopes", List.of(scopes)));
    }

    /** Every route with a path whose ids exist for nobody, and for the POSTs that create something, a valid body. */
    private record Call(String routeKey, String method, String path, String body) {
    }

    private List<Call> everyRoute() {
        Map<String, String> bodies = Map.of(
                "POST /customers", "{\"name\":\"Never Written\",\"email\":\"never@example.com\",\"creditLimitCents\":100}",
                "POST /products", "{\"sku\":\"NEVER-" + UUID.randomUUID().toString().substring(0, 8)
                        + "\",\"name\":\"Never\",\"unitPriceCents\":100,\"stock\":1}",
                "POST /campaign-events", "{\"name\":\"Never\",\"startDate\":\"3001-01-01T00:00:00Z\","
                        + "\"endDate\":\"3001-01-02T00:00:00Z\"}");
        List<Call> calls = new ArrayList<>();
        for (Catalog.Function f : catalog.functions()) {
            if (!f.trigger().isHttp() || f.trigger().isPublic()) {
                continue; // a valet link's route takes no key (TokensAndValetLinksTest)
            }
            String path = f.trigger().path().replaceAll("\\{[^}]+}", UUID.randomUUID().toString());
            String method = f.trigger().method();
            calls.add(new Call(f.trigger().routeKey(), method, path,
                    method.equals("GET") || method.equals("DELETE") ? null
                            : bodies.getOrDefault(f.trigger().routeKey(), "{}")));
        }
        assertThat(calls).hasSizeGreaterThan(20);
        return calls;
    }

    private static Response call(Call c, String apiKey) {
        var request = apiKey == null ? Api.gateway() : Api.as(apiKey);
        if (c.body() != null) {
            request = request.contentType("application/json").body(c.body());
        }
        return request.request(c.method(), c.path());
    }

    private Map<String, Object> counts() {
        Map<String, Object> counts = new LinkedHashMap<>();
        for (String table : List.of("customers.customers", "inventory.products", "orders.orders", "campaigns.campaigns",
                "campaigns.events", "access.api_keys")) {
            counts.put(table, new Db(dataSource).row("select count(*) as n from " + table).get("n"));
        }
        return counts;
    }

    @Test
    void everyRoute_refusesAMissingUnknownRevokedOrExpiredKey_401_andAKeyWithoutItsScope_403_writingNothing() {
        String revoked = create("demo", List.copyOf(catalog.scopes().keySet()).toArray(String[]::new)).get("apiKey").asText();
        manage(Map.of("action", "revoke", "keyId", keyId(revoked)));
        JsonNode expiring = manage(Map.of("action", "create", "tenant", "demo", "name", "expires", "scopes",
                List.copyOf(catalog.scopes().keySet()), "expiresAt", Instant.now().plusSeconds(3600).toString()));
        String unknown = "sgl_" + UUID.randomUUID().toString().replace("-", "") + "0000000000000";
        // short-lived tokens: one valid (it expires once the clock is moved), one altered, one of a revoked key
        String full = create("demo", List.copyOf(catalog.scopes().keySet()).toArray(String[]::new)).get("apiKey").asText();
        String token = token(full);
        String tampered = token.substring(0, token.lastIndexOf('.') + 1)
                + (token.charAt(token.lastIndexOf('.') + 1) == 'A' ? 'B' : 'A') + token.substring(token.lastIndexOf('.') + 2);
        String doomed = create("demo", List.copyOf(catalog.scopes().keySet()).toArray(String[]::new)).get("apiKey").asText();
        String ofRevokedKey = token(doomed);
        manage(Map.of("action", "revoke", "keyId", keyId(doomed)));
        gateway.forgetAuthorizations();
        Map<String, Object> before = counts();
        ManualClock clock = new ManualClock(Instant.now().plus(Duration.ofHours(2))); // past the expiring key's end
        for (Call c : everyRoute()) {
            String scope = catalog.scopeByRoute().get(c.routeKey());
            assertThat(catalog.scopes()).as(c.routeKey() + "'s scope is one of the catalog's").containsKey(scope);
            // a key with every scope but this route's
            String[] others = catalog.scopes().keySet().stream().filter(s -> !s.equals(scope)).toArray(String[]::new);
            String lacking = create("demo", others).get("apiKey").asText();

            call(c, null).then().statusCode(401).contentType("application/problem+json");
            call(c, unknown).then().statusCode(401).contentType("application/problem+json").body("title",
                    equalTo("Unauthorized"));
            call(c, revoked).then().statusCode(401).contentType("application/problem+json");
            call(c, tampered).then().statusCode(401).contentType("application/problem+json");
            call(c, ofRevokedKey).then().statusCode(401).contentType("application/problem+json");
            call(c, lacking).then().statusCode(403).contentType("application/problem+json")
                    .body("detail", containsString(scope)).body("detail", containsString(c.routeKey()));
            QuarkusMock.installMockForType(clock, Clock.class);
            try {
                call(c, expiring.get("apiKey").asText()).then().statusCode(401).contentType("application/problem+json");
                call(c, token).then().statusCode(401).contentType("application/problem+json");
            } finally {
                QuarkusMock.installMockForType(Clock.systemUTC(), Clock.class);
            }
        }
        Map<String, Object> after = counts();
        after.remove("access.api_keys"); // the test's own keys
        before.remove("access.api_keys");
        assertThat(after).as("rows written by refused requests").isEqualTo(before);
    }

    /** A token of {@code key} with every scope a token may carry. */
    private String token(String key) {
        List<String> scopes = catalog.scopes().keySet().stream().filter(s -> !s.equals("tokens:write")).toList();
        return Api.as(key).body(Map.of("scopes", scopes)).post("/tokens").then().statusCode(201).extract().path("token");
    }

    @Test
    void aKeyWithTheScope_isServed_asItsTenant_andAnotherTenantsResourceStays404() {
        String shop = create("demo", "customers:read", "customers:write").get("apiKey").asText();
        String customerId = Api.as(shop).contentType("application/json")
                .body(Map.of("name", "Scoped Shopper", "email", "scoped@example.com", "creditLimitCents", 500))
                .post("/customers").then().statusCode(201).extract().path("customerId");
        Api.as(shop).get("/customers/" + customerId).then().statusCode(200).body("name", equalTo("Scoped Shopper"));
        Api.as(shop).get("/orders/" + UUID.randomUUID()).then().statusCode(403);

        String theirs = create("other", "customers:read").get("apiKey").asText();
        Api.as(theirs).get("/customers/" + customerId).then().statusCode(404);
    }

    @Test
    void aKey_isShownOnce_keptOnlyAsItsHash_andListedWithoutIt() {
        JsonNode issued = create("demo", "orders:read");
        String key = issued.get("apiKey").asText();
        assertThat(key).startsWith("sgl_").hasSize(4 + 43); // 256 bits, base64url
        assertThat(issued.get("scopes")).extracting(JsonNode::asText).containsExactly("orders:read");

        Map<String, Object> row = new Db(dataSource).row(
                "select encode(key_hash, 'hex') as hash, key_prefix, scopes, tenant from access.api_keys where id = ?::uuid",
                issued.get("keyId").asText());
        assertThat(row.get("hash")).isEqualTo(sha256(key));
        assertThat(row.toString()).doesNotContain(key.substring(12));
        assertThat(row).containsEntry("scopes", "orders:read").containsEntry("tenant", "demo");

        JsonNode listed = manage(Map.of("action", "list", "tenant", "demo"));
        assertThat(listed.toString()).doesNotContain(key.substring(12));
        assertThat(listed.get("keys")).anySatisfy(k -> {
            assertThat(k.get("keyId").asText()).isEqualTo(issued.get("keyId").asText());
            assertThat(k.get("status").asText()).isEqualTo("active");
            assertThat(k.get("keyPrefix").asText()).isEqualTo(key.substring(0, 12) + "…");
            assertThat(k.has("apiKey")).isFalse();
        });
        assertThat(manage(Map.of("action", "list", "tenant", "other")).toString()).doesNotContain(issued.get("keyId").asText());
    }

    @Test
    void aRotation_keepsBothKeysValidForItsOverlap_thenOnlyTheNewOne() {
        String old = create("demo", "catalog:read").get("apiKey").asText();
        JsonNode rotated = manage(Map.of("action", "rotate", "keyId", keyId(old), "overlapSeconds", 600));
        String fresh = rotated.get("apiKey").asText();
        assertThat(rotated.get("replaces").asText()).isEqualTo(keyId(old));
        assertThat(rotated.get("scopes")).extracting(JsonNode::asText).containsExactly("catalog:read");
        String path = "/products/NO-SUCH-SKU-" + UUID.randomUUID().toString().substring(0, 8);
        Api.as(old).get(path).then().statusCode(404);
        Api.as(fresh).get(path).then().statusCode(404);
        assertThat(status(keyId(old))).isEqualTo("rotating");

        ManualClock clock = new ManualClock(Instant.now().plusSeconds(601));
        QuarkusMock.installMockForType(clock, Clock.class);
        try {
            // The gateway still holds its answer for the old key (as API Gateway would for 60 s), but
            // the answer carries the overlap's end, and the function refuses past it.
            Api.as(old).get(path).then().statusCode(401).body("detail", org.hamcrest.Matchers.containsString("overlap"));
            Api.as(fresh).get(path).then().statusCode(404);
        } finally {
            QuarkusMock.installMockForType(Clock.systemUTC(), Clock.class);
        }
        assertThatThrownBy(() -> manage(Map.of("action", "rotate", "keyId", keyId(old))))
                .hasMessageContaining("only an active key can be rotated");
    }

    @Test
    void aRevokedKey_isRefusedOnceTheGatewaysAnswerLapses_andRevokingItAgainChangesNothing() {
        String key = create("demo", "catalog:read").get("apiKey").asText();
        String path = "/products/NO-SUCH-SKU-" + UUID.randomUUID().toString().substring(0, 8);
        Api.as(key).get(path).then().statusCode(404);
        JsonNode revoked = manage(Map.of("action", "revoke", "keyId", keyId(key)));
        assertThat(revoked.get("status").asText()).isEqualTo("revoked");
        // The gateway keeps its answer for the key, as API Gateway keeps it (60 s): still served.
        Api.as(key).get(path).then().statusCode(404);
        gateway.forgetAuthorizations();
        Api.as(key).get(path).then().statusCode(401);
        JsonNode again = manage(Map.of("action", "revoke", "keyId", keyId(key)));
        assertThat(again.get("revokedAt").asText()).isEqualTo(revoked.get("revokedAt").asText());
    }

    @Test
    void badCommands_failTheInvocation_namingTheField() {
        assertThatThrownBy(() -> manage(Map.of("action", "create", "tenant", "demo", "name", "x", "scopes", List.of("root"))))
                .hasMessageContaining("scopes").hasMessageContaining("'root' is not a scope");
        assertThatThrownBy(() -> manage(Map.of("action", "create", "tenant", "Demo!", "name", "x", "scopes",
                List.of("orders:read")))).hasMessageContaining("tenant");
        assertThatThrownBy(() -> manage(Map.of("action", "create", "tenant", "demo", "name", "x", "scopes", List.of())))
                .hasMessageContaining("scopes");
        assertThatThrownBy(() -> manage(Map.of("action", "create", "tenant", "demo", "name", "x", "scopes",
                List.of("orders:read"), "expiresAt", "2020-01-01T00:00:00Z"))).hasMessageContaining("expiresAt");
        assertThatThrownBy(() -> manage(Map.of("action", "rotate", "keyId", UUID.randomUUID().toString())))
                .hasMessageContaining("does not exist");
        String key = create("demo", "orders:read").get("apiKey").asText();
        assertThatThrownBy(() -> manage(Map.of("action", "rotate", "keyId", keyId(key), "overlapSeconds", 31L * 86400)))
                .hasMessageContaining("overlapSeconds");
        manage(Map.of("action", "revoke", "keyId", keyId(key)));
        assertThatThrownBy(() -> manage(Map.of("action", "rotate", "keyId", keyId(key)))).hasMessageContaining("revoked");
        assertThatThrownBy(() -> manage(Map.of("action", "delete"))).hasMessageContaining("action");
    }

    private String keyId(String key) {
        return new Db(dataSource).row("select id::text as id from access.api_keys where key_hash = decode(?, 'hex')",
                sha256(key)).get("id").toString();
    }

    private String status(String keyId) {
        JsonNode listed = manage(Map.of("action", "list", "tenant", "demo"));
        for (JsonNode k : listed.get("keys")) {
            if (k.get("keyId").asText().equals(keyId)) {
                return k.get("status").asText();
            }
        }
        throw new AssertionError("key " + keyId + " not listed");
    }

    private static String sha256(String key) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
