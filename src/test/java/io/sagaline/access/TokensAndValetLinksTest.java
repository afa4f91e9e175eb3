package io.sagaline.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.sagaline.local.LocalFunctions;
import io.sagaline.local.LocalGateway;
import io.sagaline.support.Api;
import io.sagaline.support.ManualClock;

/**
 * Short-lived tokens and valet links: a key exchanges itself for a signed token with some of its
 * scopes, which serves exactly those, until it expires or its key is revoked, and nothing forged
 * passes for one; a valet link opens one order's invoice without any key, until it expires or is
 * revoked, and nothing else.
 */
@QuarkusTest
class TokensAndValetLinksTest {

    @Inject
    LocalFunctions functions;
    @Inject
    ObjectMapper json;
    @Inject
    LocalGateway gateway;
    @ConfigProperty(name = "sagaline.tokens.local-signing-keys")
    String signingKeys;
    @ConfigProperty(name = "sagaline.valet-links.local-signing-keys")
    String valetLinkKeys;

    private JsonNode manage(Map<String, Object> command) {
        try {
            return json.readTree(functions.invoke("manage-api-keys", json.writeValueAsBytes(command)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private JsonNode key(String tenant, String... scopes) {
        return manage(Map.of("action", "create", "tenant", tenant, "name", "token test", "scopes", List.of(scopes)));
    }

    private static Response exchange(String key, Map<String, Object> body) {
        return Api.as(key).body(body).post("/tokens");
    }

    @Test
    void aKey_exchangedForAToken_withSomeOfItsScopes_servesThoseAsTheKey_andNoOther() {
        JsonNode key = key("demo", "customers:read", "customers:write", "tokens:write");
        JsonNode issued = json.valueToTree(exchange(key.get("apiKey").asText(), Map.of("scopes", List.of("customers:read")))
                .then().statusCode(201).extract().as(Map.class));
        String token = issued.get("token").asText();
        assertThat(issued.get("scopes")).extracting(JsonNode::asText).containsExactly("customers:read");
        Instant expires = Instant.parse(issued.get("expiresAt").asText());
        assertThat(Duration.between(Instant.now(), expires)).isBetween(Duration.ofMinutes(14), Duration.ofMinutes(15));
        assertThat(token).doesNotContain(key.get("apiKey").asText());

        String customer = Api.newCustomer(10);
        Api.as(token).get("/customers/" + customer).then().statusCode(200);
        Api.as(token).body(Map.of("name", "N", "email", "n@example.com", "creditLimitCents", 1)).post("/customers").then()
                .statusCode(403).body("detail", containsString("customers:write"));
        // a token is not exchanged for another, even with the scope
        exchange(token, Map.of("scopes", List.of("customers:read"))).then().statusCode(403);

        JsonNode audited = Api.get("/audit?keyId=" + key.get("keyId").asText(), 200).get("items");
        assertThat(audited).anySatisfy(e -> assertThat(e.get("operation").asText()).isEqualTo("create-token"));
        assertThat(audited).anySatisfy(e -> {
            assertThat(e.get("operation").asText()).isEqualTo("get-customer");
            assertThat(e.get("resource").asText()).isEqualTo("customers/" + customer);
        });
    }

    @Test
    void anExchange_refusesScopesTheKeyLacks_theExchangeScopeItself_andALifeOutOfBounds() {
        String key = key("demo", "orders:read", "tokens:write").get("apiKey").asText();
        exchange(key, Map.of("scopes", List.of("customers:read"))).then().statusCode(400).body("errors[0].field",
                equalTo("scopes"));
        exchange(key, Map.of("scopes", List.of("tokens:write"))).then().statusCode(400);
        exchange(key, Map.of("scopes", List.of())).then().statusCode(400);
        exchange(key, Map.of("scopes", List.of("orders:read"), "expiresInSeconds", 59)).then().statusCode(400)
                .body("errors[0].field", equalTo("expiresInSeconds"));
        exchange(key, Map.of("scopes", List.of("orders:read"), "expiresInSeconds", 3601)).then().statusCode(400);
        String noExchange = key("demo", "orders:read").get("apiKey").asText();
        exchange(noExchange, Map.of("scopes", List.of("orders:read"))).then().statusCode(403);
    }

    @Test
    void aToken_isRefusedPastItsEnd_andOnceItsKeyIsRevoked() {
        JsonNode key = key("demo", "catalog:read", "tokens:write");
        String token = exchange(key.get("apiKey").asText(), Map.of("scopes", List.of("catalog:read"), "expiresInSeconds", 60))
                .then().statusCode(201).extract().path("token");
        String path = "/products/NONE-" + UUID.randomUUID().toString().substring(0, 8);
        Api.as(token).get(path).then().statusCode(404);
        QuarkusMock.installMockForType(new ManualClock(Instant.now().plusSeconds(61)), Clock.class);
        try {
            Api.as(token).get(path).then().statusCode(401); // the gateway's cached answer carries the token's end
            gateway.forgetAuthorizations();
            Api.as(token).get(path).then().statusCode(401);
        } finally {
            QuarkusMock.installMockForType(Clock.systemUTC(), Clock.class);
        }
        String another = exchange(key.get("apiKey").asText(), Map.of("scopes", List.of("catalog:read"))).then().statusCode(201)
                .extract().path("token");
        Api.as(another).get(path).then().statusCode(404);
        manage(Map.of("action", "revoke", "keyId", key.get("keyId").asText()));
        gateway.forgetAuthorizations();
        Api.as(another).get(path).then().statusCode(401);
    }

    @Test
    void nothingForged_passesForAToken() throws Exception {
        JsonNode key = key("demo", "customers:read", "tokens:write");
        String genuine = exchange(key.get("apiKey").asText(), Map.of("scopes", List.of("customers:read"))).then()
                .statusCode(201).extract().path("token");
        String[] parts = genuine.split("\\.");
        JWTClaimsSet claims = SignedJWT.parse(genuine).getJWTClaimsSet();
        String kid = SignedJWT.parse(genuine).getHeader().getKeyID();
        ECKey stranger = new ECKeyGenerator(Curve.P_256).keyID(kid.substring("local:".length())).generate();
        ECKey ours = JWKSet.parse(signingKeys).getKeys().get(0).toECKey();
        String path = "/customers/" + UUID.randomUUID();

        // more scopes written into the payload, the signature kept
        String widened = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                new JWTClaimsSet.Builder(claims).claim("scope", "customers:read customers:write").build().toString()
                        .getBytes(StandardCharsets.UTF_8))
                + "." + parts[2];
        // alg none
        String unsigned = Base64.getUrlEncoder().withoutPadding().encodeToString(
                ("{\"alg\":\"none\",\"typ\":\"sagaline-access+jwt\",\"kid\":\"" + kid + "\"}").getBytes(StandardCharsets.UTF_8))
                + "." + parts[1] + ".";
        // signed by a key that is not ours, under our key's id
        String strangers = sign(stranger, kid, "sagaline-access+jwt", claims);
        // signed by our key, but a valet link's type, or for another audience
        String otherType = sign(ours, kid, "sagaline-valet+jwt", claims);
        String otherAudience = sign(ours, kid, "sagaline-access+jwt",
                new JWTClaimsSet.Builder(claims).audience("elsewhere").build());
        // signed by our key for the key's tenant claim changed to another tenant's
        String otherTenant = sign(ours, kid, "sagaline-access+jwt",
                new JWTClaimsSet.Builder(claims).claim("tnt", "other").build());
        // signed by the valet links' key, our other key, as an access token (under its own kid, or ours)
        ECKey valet = JWKSet.parse(valetLinkKeys).getKeys().get(0).toECKey();
        String byTheLinksKey = sign(valet, "local:" + valet.getKeyID(), "sagaline-access+jwt", claims);
        String byTheLinksKeyAsOurs = sign(valet, kid, "sagaline-access+jwt", claims);
        String control = sign(ours, kid, "sagaline-access+jwt", claims);
        Api.as(control).get(path).then().statusCode(404); // our own signature of the same claims passes
        for (String forged : List.of(widened, unsigned, strangers, otherType, otherAudience, otherTenant, byTheLinksKey,
                byTheLinksKeyAsOurs)) {
            Api.as(forged).get(path).then().statusCode(401);
        }
        assertThat(new Date()).isBefore(claims.getExpirationTime());
    }

    private static String sign(ECKey key, String kid, String type, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(kid).type(new JOSEObjectType(type)).build(),
                claims);
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    @Test
    void aValetLink_opensItsInvoiceWithoutAKey_andNothingElse_untilItExpiresOrIsRevoked() {
        String order = Api.placeOrder(Api.newCustomer(10_000), "tok_ok", Api.newProduct(300, 5), 2);
        assertThat(Api.awaitDecided(order).getString("status")).isEqualTo("APPROVED");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> Api.statusCode("/orders/" + order + "/invoice") == 200);
        // a token may not make one: a short-lived credential would hand out a long-lived one
        String key = key("demo", "orders:read", "tokens:write").get("apiKey").asText();
        String token0 = exchange(key, Map.of("scopes", List.of("orders:read"))).then().statusCode(201).extract().path("token");
        Api.as(token0).body(Map.of()).post("/orders/" + order + "/invoice/links").then().statusCode(403);
        JsonNode link = Api.send("POST", "/orders/" + order + "/invoice/links", Map.of("expiresInSeconds", 3600), 201);
        String url = link.get("url").asText();
        assertThat(url).startsWith("/valet/invoices/");

        Api.gateway().get(url).then().statusCode(200).body("orderId", equalTo(order)).body("totalCents", equalTo(600));
        // the link opens that invoice and nothing else: the token is no key
        String token = url.substring("/valet/invoices/".length());
        Api.as(token).get("/orders/" + order).then().statusCode(401);
        Api.gateway().get("/orders/" + order + "/invoice").then().statusCode(401);
        // altered: not a link of ours
        char second = url.charAt(url.length() - 2); // the character changed: another than it was
        Api.gateway().get(url.substring(0, url.length() - 2) + (second == 'A' ? 'B' : 'A') + url.charAt(url.length() - 1))
                .then().statusCode(404).contentType("application/problem+json");
        Api.gateway().get("/valet/invoices/not-a-link").then().statusCode(404);

        QuarkusMock.installMockForType(new ManualClock(Instant.now().plusSeconds(3601)), Clock.class);
        try {
            Api.gateway().get(url).then().statusCode(410).contentType("application/problem+json");
        } finally {
            QuarkusMock.installMockForType(Clock.systemUTC(), Clock.class);
        }
        Api.gateway().get(url).then().statusCode(200);
        Api.demo().delete("/orders/" + order + "/invoice/links/" + link.get("linkId").asText()).then().statusCode(204);
        Api.gateway().get(url).then().statusCode(410);
        Api.as(Api.OTHER_KEY).delete("/orders/" + order + "/invoice/links/" + link.get("linkId").asText()).then()
                .statusCode(404);

        JsonNode reads = Api.get("/audit?operation=get-invoice-by-link&resource=orders/" + order + "/invoice", 200)
                .get("items");
        assertThat(reads).hasSize(4).allSatisfy(e -> {
            assertThat(e.get("actor").asText()).isEqualTo("valet-link");
            assertThat(e.get("keyId").asText()).isEqualTo(link.get("linkId").asText());
        });
        assertThat(reads).extracting(e -> e.get("outcome").asText()).containsExactly("DENIED", "SUCCEEDED", "DENIED",
                "SUCCEEDED");
    }

    @Test
    void aValetLink_isMadeOnlyForAnIssuedInvoiceOfTheCallersTenant_forABoundedTime() {
        Api.send("POST", "/orders/" + UUID.randomUUID() + "/invoice/links", Map.of(), 404);
        String order = Api.placeOrder(Api.newCustomer(10_000), "tok_declined", Api.newProduct(300, 5), 1);
        Api.awaitDecided(order);
        Api.send("POST", "/orders/" + order + "/invoice/links", Map.of(), 404); // rejected: no invoice
        String approved = Api.placeOrder(Api.newCustomer(10_000), "tok_ok", Api.newProduct(300, 5), 1);
        Api.awaitDecided(approved);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> Api.statusCode("/orders/" + approved + "/invoice") == 200);
        Api.as(Api.OTHER_KEY).body(Map.of()).post("/orders/" + approved + "/invoice/links").then().statusCode(404);
        Api.send("POST", "/orders/" + approved + "/invoice/links", Map.of("expiresInSeconds", 30L * 24 * 3600 + 1), 400);
        JsonNode link = Api.send("POST", "/orders/" + approved + "/invoice/links", Map.of(), 201);
        assertThat(Duration.between(Instant.now(), Instant.parse(link.get("expiresAt").asText())))
                .isBetween(Duration.ofDays(7).minusMinutes(1), Duration.ofDays(7));
    }
}
