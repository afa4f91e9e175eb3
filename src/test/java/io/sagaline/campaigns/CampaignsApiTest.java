package io.sagaline.campaigns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.sagaline.support.Api;
import io.sagaline.support.Db;
import io.sagaline.support.ManualClock;

/**
 * The campaigns API end to end through the local gateway: every route, its bad input, conditional
 * requests (ETag, 304, 412), listings by page, deletes that take the events along, tenants kept
 * apart, and the live listings moving with a controlled clock.
 */
@QuarkusTest
class CampaignsApiTest {

    @Inject
    AgroalDataSource dataSource;

    /** A window of its own for each test, far from any other test's: {@code base + hours}. */
    private static Instant base() {
        return Instant.parse("3000-01-01T00:00:00Z")
                .plus(Duration.ofHours(ThreadLocalRandom.current().nextLong(1, 50_000_000)));
    }

    private static Map<String, Object> campaign(String name, Instant start, Instant end) {
        return Map.of("name", name, "startDate", start.toString(), "endDate", end.toString());
    }

    private static Response createCampaign(String key, String name, Instant start, Instant end) {
        return Api.as(key).body(campaign(name, start, end)).post("/campaign-events");
    }

    private static String newCampaign(Instant start, Instant end) {
        return createCampaign(Api.DEMO_KEY, "Black Friday", start, end).then().statusCode(201).extract()
                .path("campaignEventId");
    }

    private static String newEvent(String campaign, String name, Instant start, Instant end) {
        return Api.demo().body(Map.of("name", name, "campaignEventId", campaign, "startDate", start.toString(), "endDate",
                end.toString())).post("/events").then().statusCode(201).extract().path("eventId");
    }

    @Test
    void aCampaign_isCreated_readBack_withItsETag_andA304ForThatTag() {
        Response created = Api.demo()
                .body(Map.of("name", "Opening week", "startDate", "3000-01-01T09:00:00+01:00", "endDate",
                        "3000-01-08T09:00:00.123456+01:00"))
                .post("/campaign-events");
        created.then().statusCode(201).header("etag", startsWith("\"")).body("name", equalTo("Opening week"))
                .body("startDate", equalTo("3000-01-01T08:00:00Z")).body("endDate", equalTo("3000-01-08T08:00:00.123456Z"));
        String id = created.path("campaignEventId");
        assertThat(created.header("location")).isEqualTo("/campaign-events/" + id);

        Response read = Api.demo().get("/campaign-events/" + id);
        read.then().statusCode(200).body("campaignEventId", equalTo(id)).body("createdAt", notNullValue())
                .header("cache-control", "no-cache").header("x-cache", "miss");
        Api.demo().get("/campaign-events/" + id).then().statusCode(200).header("x-cache", "near")
                .body("name", equalTo("Opening week"));
        String tag = read.header("etag");
        assertThat(tag).isEqualTo(created.header("etag"));

        Api.demo().header("if-none-match", tag).get("/campaign-events/" + id).then().statusCode(304).header("etag", tag)
                .body(emptyOrNullString());
        Api.demo().header("if-none-match", "W/" + tag).get("/campaign-events/" + id).then().statusCode(304);
        Api.demo().header("if-none-match", "\"another\"").get("/campaign-events/" + id).then().statusCode(200);
    }

    @Test
    void badCampaigns_are400_namingTheField_andNothingIsWritten() {
        Db db = new Db(dataSource);
        long before = db.rows("select 1 from campaigns.campaigns").size();
        record Bad(Object body, String field) {
        }
        List<Bad> bad = List.of(
                new Bad(Map.of("name", "A", "startDate", "3000-01-01T00:00:00", "endDate", "3000-01-02T00:00:00Z"),
                        "startDate"),
                new Bad(Map.of("name", "A", "startDate", "3000-01-01T00:00:00Z", "endDate", "3000-01-02"), "endDate"),
                new Bad(Map.of("name", "A", "startDate", "3000-01-02T00:00:00Z", "endDate", "3000-01-01T00:00:00Z"),
                        "endDate"),
                new Bad(Map.of("name", "A", "startDate", "3000-01-01T00:00:00Z", "endDate", "3000-01-01T00:00:00Z"),
                        "endDate"),
                new Bad(Map.of("startDate", "3000-01-01T00:00:00Z", "endDate", "3000-01-02T00:00:00Z"), "name"),
                new Bad(Map.of("name", " ", "startDate", "3000-01-01T00:00:00Z", "endDate", "3000-01-02T00:00:00Z"), "name"),
                new Bad(Map.of("name", "A", "endDate", "3000-01-02T00:00:00Z"), "startDate"),
                new Bad(Map.of("name", "A", "startDate", 20260101, "endDate", "3000-01-02T00:00:00Z"), "startDate"),
                new Bad(Map.of("name", "A", "startDate", "+10000-01-01T00:00:00Z", "endDate", "+10001-01-02T00:00:00Z"),
                        "startDate"),
                new Bad(Map.of("name", "A", "startDate", "3000-01-01T00:00:00Z", "endDate", "3000-01-02T00:00:00Z", "colour",
                        "red"), "colour"));
        for (Bad b : bad) {
            Api.demo().body(b.body()).post("/campaign-events").then().statusCode(400)
                    .contentType("application/problem+json").body("errors.field", hasItem(b.field()));
        }
        Api.demo().body("{\"name\": \"A\", \"name\": \"B\"}").post("/campaign-events").then().statusCode(400);
        Api.demo().contentType("text/plain").body("hello").post("/campaign-events").then().statusCode(415);
        assertThat(db.rows("select 1 from campaigns.campaigns")).hasSize((int) before);
    }

    @Test
    void put_replacesTheCampaign_andAStaleIfMatchIs412_leavingItAsItWas() {
        Instant t = base();
        String id = newCampaign(t, t.plus(Duration.ofDays(3)));
        String tag = Api.demo().get("/campaign-events/" + id).header("etag");

        Response put = Api.demo().header("if-match", tag).body(campaign("Cyber Monday", t, t.plus(Duration.ofDays(4))))
                .put("/campaign-events/" + id);
        put.then().statusCode(200).body("name", equalTo("Cyber Monday"))
                .body("endDate", equalTo(t.plus(Duration.ofDays(4)).toString()));
        assertThat(put.header("etag")).isNotEqualTo(tag);

        Api.demo().header("if-match", tag).body(campaign("Lost update", t, t.plus(Duration.ofDays(5))))
                .put("/campaign-events/" + id).then().statusCode(412).contentType("application/problem+json");
        Api.demo().header("if-match", "W/" + put.header("etag")).body(campaign("Weak", t, t.plus(Duration.ofDays(5))))
                .put("/campaign-events/" + id).then().statusCode(412);
        eventually(() -> Api.demo().get("/campaign-events/" + id).then().statusCode(200).body("name", equalTo("Cyber Monday"))
                .header("etag", put.header("etag")));

        Api.demo().header("if-match", "*").body(campaign("Any", t, t.plus(Duration.ofDays(5)))).put("/campaign-events/" + id)
                .then().statusCode(200).body("name", equalTo("Any"));
        Api.demo().body(campaign("No precondition", t, t.plus(Duration.ofDays(5)))).put("/campaign-events/" + id).then()
                .statusCode(200).body("name", equalTo("No precondition"));
        Api.demo().body(Map.of("name", "No dates")).put("/campaign-events/" + id).then().statusCode(400)
                .body("errors.field", hasItem("startDate"));
        Api.demo().body(campaign("Nobody", t, t.plus(Duration.ofDays(1)))).put("/campaign-events/" + UUID.randomUUID()).then()
                .statusCode(404);
    }

    @Test
    void patch_isAJsonMergePatch_ofWhatItNames_andRefusesRemovingARequiredField() {
        Instant t = base();
        String id = newCampaign(t, t.plus(Duration.ofDays(3)));
        Response read = Api.demo().get("/campaign-events/" + id);

        Response patched = Api.demo().contentType("application/merge-patch+json").header("if-match", read.header("etag"))
                .body("{\"name\": \"Black Friday week\"}").patch("/campaign-events/" + id);
        patched.then().statusCode(200).body("name", equalTo("Black Friday week"))
                .body("startDate", equalTo(read.path("startDate").toString()))
                .body("endDate", equalTo(read.path("endDate").toString()));

        Api.demo().contentType("application/merge-patch+json").body("{\"endDate\": \"" + t.plus(Duration.ofDays(2)) + "\"}")
                .patch("/campaign-events/" + id).then().statusCode(200)
                .body("endDate", equalTo(t.plus(Duration.ofDays(2)).toString()));
        Api.demo().contentType("application/merge-patch+json").body("{\"name\": null}").patch("/campaign-events/" + id)
                .then().statusCode(400).body("errors.field", hasItem("name"));
        Api.demo().contentType("application/merge-patch+json").body("{\"endDate\": \"" + t.minus(Duration.ofDays(1)) + "\"}")
                .patch("/campaign-events/" + id).then().statusCode(400).body("errors.field", hasItem("endDate"));
        Api.demo().contentType("application/merge-patch+json").body("[]").patch("/campaign-events/" + id).then()
                .statusCode(400);
        Api.demo().contentType("application/merge-patch+json").body("{\"startDate\": \"3000-01-01T00:00\"}")
                .patch("/campaign-events/" + id).then().statusCode(400).body("errors.field", hasItem("startDate"));
        Api.demo().contentType("text/plain").body("{}").patch("/campaign-events/" + id).then().statusCode(415);
        Api.demo().contentType("application/merge-patch+json").header("if-match", read.header("etag"))
                .body("{\"name\": \"Stale\"}").patch("/campaign-events/" + id).then().statusCode(412);
        eventually(() -> Api.demo().get("/campaign-events/" + id).then().body("name", equalTo("Black Friday week")));
    }

    @Test
    void events_lieInsideTheirCampaign_andNameTheFieldWhenTheyDoNot() {
        Instant t = base();
        String campaign = newCampaign(t, t.plus(Duration.ofDays(3)));
        String otherTenants = createCampaign(Api.OTHER_KEY, "Theirs", t, t.plus(Duration.ofDays(3))).then().statusCode(201)
                .extract().path("campaignEventId");

        Response created = Api.demo().body(Map.of("name", "Doors open", "campaignEventId", campaign, "startDate",
                t.toString(), "endDate", t.plus(Duration.ofHours(2)).toString())).post("/events");
        created.then().statusCode(201).header("etag", notNullValue()).body("campaignEventId", equalTo(campaign));
        String id = created.path("eventId");
        assertThat(created.header("location")).isEqualTo("/events/" + id);
        Api.demo().get("/events/" + id).then().statusCode(200).body("name", equalTo("Doors open"));

        record Bad(String campaignEventId, Instant start, Instant end, String field) {
        }
        for (Bad b : List.of(new Bad(campaign, t.minus(Duration.ofMinutes(1)), t.plus(Duration.ofHours(1)), "startDate"),
                new Bad(campaign, t, t.plus(Duration.ofDays(3)).plusSeconds(1), "endDate"),
                new Bad(campaign, t.plus(Duration.ofHours(2)), t.plus(Duration.ofHours(1)), "endDate"),
                new Bad(UUID.randomUUID().toString(), t, t.plus(Duration.ofHours(1)), "campaignEventId"),
                new Bad("not-a-uuid", t, t.plus(Duration.ofHours(1)), "campaignEventId"),
                new Bad(otherTenants, t, t.plus(Duration.ofHours(1)), "campaignEventId"))) {
            Api.demo().body(Map.of("name", "Bad", "campaignEventId", b.campaignEventId(), "startDate", b.start().toString(),
                    "endDate", b.end().toString())).post("/events").then().statusCode(400)
                    .body("errors.field", hasItem(b.field()));
        }
        Api.demo().body(Map.of("name", "No zone", "campaignEventId", campaign, "startDate", "3000-01-01T10:00:00",
                "endDate", t.plus(Duration.ofHours(1)).toString())).post("/events").then().statusCode(400)
                .body("errors.field", hasItem("startDate"));
        Api.demo().body(Map.of("name", "No campaign", "startDate", t.toString(), "endDate", t.plusSeconds(60).toString()))
                .post("/events").then().statusCode(400).body("errors.field", hasItem("campaignEventId"));

        // A campaign's window may not shrink past its events: 409, naming the end that would strand one.
        Api.demo().body(campaign("Too short", t, t.plus(Duration.ofHours(1)))).put("/campaign-events/" + campaign).then()
                .statusCode(409).body("errors.field", hasItem("endDate"));
        Api.demo().get("/campaign-events/" + campaign).then().body("endDate", equalTo(t.plus(Duration.ofDays(3)).toString()));

        // An event moves only inside a window that holds it.
        Api.demo().contentType("application/merge-patch+json")
                .body("{\"endDate\": \"" + t.plus(Duration.ofDays(4)) + "\"}").patch("/events/" + id).then().statusCode(400)
                .body("errors.field", hasItem("endDate"));
        String tag = Api.demo().get("/events/" + id).header("etag");
        Api.demo().contentType("application/merge-patch+json").header("if-match", tag)
                .body("{\"name\": \"Doors open at nine\"}").patch("/events/" + id).then().statusCode(200)
                .body("name", equalTo("Doors open at nine"));
        Api.demo().header("if-match", tag).body(Map.of("name", "Lost", "campaignEventId", campaign, "startDate", t.toString(),
                "endDate", t.plus(Duration.ofHours(2)).toString())).put("/events/" + id).then().statusCode(412);
        Api.demo().body(Map.of("name", "Replaced", "campaignEventId", campaign, "startDate", t.plus(Duration.ofHours(1))
                .toString(), "endDate", t.plus(Duration.ofHours(3)).toString())).put("/events/" + id).then().statusCode(200)
                .body("name", equalTo("Replaced")).body("startDate", equalTo(t.plus(Duration.ofHours(1)).toString()));
    }

    @Test
    void aCampaignsEvents_comeInPagesByStartThenId_withoutRepeatsOrGaps() {
        Instant t = base();
        String campaign = newCampaign(t, t.plus(Duration.ofDays(1)));
        List<String> expected = new ArrayList<>();
        // two events share a start: the id orders them
        for (int i : new int[] { 3, 1, 2, 2, 0 }) {
            expected.add(newEvent(campaign, "Event " + i, t.plus(Duration.ofHours(i)), t.plus(Duration.ofHours(i + 1))));
        }
        List<String> seen = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            var request = Api.demo().queryParam("limit", 2);
            if (token != null) {
                request.queryParam("nextToken", token);
            }
            Response page = request.get("/campaign-events/" + campaign + "/events");
            page.then().statusCode(200).header("etag", notNullValue());
            seen.addAll(page.path("items.eventId"));
            token = page.path("nextToken");
            pages++;
        } while (token != null);
        assertThat(pages).isEqualTo(3);
        List<Map<String, Object>> rows = new Db(dataSource)
                .rows("select id::text as id from campaigns.events where campaign_id = ?::uuid order by start_date, id",
                        campaign);
        assertThat(seen).containsExactlyElementsOf(rows.stream().map(r -> (String) r.get("id")).toList())
                .containsExactlyInAnyOrderElementsOf(expected);

        for (String limit : new String[] { "0", "101", "ten", "-1", "2.5" }) {
            Api.demo().queryParam("limit", limit).get("/campaign-events/" + campaign + "/events").then().statusCode(400)
                    .body("errors.field", hasItem("limit"));
        }
        String yearMinus290000 = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(
                        ("1:-9223372036854775807:" + UUID.randomUUID()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        for (String bad : new String[] { "garbage", "MTpub3Q6YW55dGhpbmc", "%%%", yearMinus290000 }) {
            Api.demo().queryParam("nextToken", bad).get("/campaign-events/" + campaign + "/events").then().statusCode(400)
                    .body("errors.field", hasItem("nextToken"));
        }
        Api.demo().get("/campaign-events/" + UUID.randomUUID() + "/events").then().statusCode(404);
    }

    @Test
    void deletingACampaign_takesItsEvents_andAStaleIfMatchDeletesNothing() {
        Instant t = base();
        String campaign = newCampaign(t, t.plus(Duration.ofDays(1)));
        String event = newEvent(campaign, "Raffle", t, t.plus(Duration.ofHours(1)));
        String tag = Api.demo().get("/campaign-events/" + campaign).header("etag");
        Api.demo().body(campaign("Renamed", t, t.plus(Duration.ofDays(1)))).put("/campaign-events/" + campaign).then()
                .statusCode(200);

        Api.demo().header("if-match", tag).delete("/campaign-events/" + campaign).then().statusCode(412);
        Api.demo().get("/events/" + event).then().statusCode(200);

        Api.demo().delete("/campaign-events/" + campaign).then().statusCode(204).body(emptyOrNullString());
        eventually(() -> Api.demo().get("/campaign-events/" + campaign).then().statusCode(404)
                .contentType("application/problem+json"));
        eventually(() -> Api.demo().get("/events/" + event).then().statusCode(404));
        assertThat(new Db(dataSource).rows("select 1 from campaigns.events where campaign_id = ?::uuid", campaign)).isEmpty();
        Api.demo().delete("/campaign-events/" + campaign).then().statusCode(404);

        String other = newCampaign(t, t.plus(Duration.ofDays(1)));
        String second = newEvent(other, "Quiz", t, t.plus(Duration.ofHours(1)));
        String eventTag = Api.demo().get("/events/" + second).header("etag");
        Api.demo().header("if-match", "\"stale\"").delete("/events/" + second).then().statusCode(412);
        Api.demo().header("if-match", eventTag).delete("/events/" + second).then().statusCode(204);
        eventually(() -> Api.demo().get("/events/" + second).then().statusCode(404));
        Api.demo().get("/campaign-events/" + other).then().statusCode(200);
    }

    @Test
    void anotherTenantsCampaignsAndEvents_doNotExistForYou() {
        Instant t = base();
        String campaign = newCampaign(t, t.plus(Duration.ofDays(1)));
        String event = newEvent(campaign, "Ours", t, t.plus(Duration.ofHours(1)));
        Api.as(Api.OTHER_KEY).get("/campaign-events/" + campaign).then().statusCode(404);
        Api.as(Api.OTHER_KEY).get("/campaign-events/" + campaign + "/events").then().statusCode(404);
        Api.as(Api.OTHER_KEY).body(campaign("Theirs", t, t.plus(Duration.ofDays(1)))).put("/campaign-events/" + campaign)
                .then().statusCode(404);
        Api.as(Api.OTHER_KEY).contentType("application/merge-patch+json").body("{\"name\": \"x\"}")
                .patch("/campaign-events/" + campaign).then().statusCode(404);
        Api.as(Api.OTHER_KEY).delete("/campaign-events/" + campaign).then().statusCode(404);
        Api.as(Api.OTHER_KEY).get("/events/" + event).then().statusCode(404);
        Api.as(Api.OTHER_KEY).delete("/events/" + event).then().statusCode(404);
        Api.demo().get("/campaign-events/not-a-uuid").then().statusCode(404);
        Api.demo().get("/campaign-events/" + campaign).then().statusCode(200).body("name", equalTo("Black Friday"));
        Api.demo().get("/events/" + event).then().statusCode(200);
        Api.gateway().get("/campaign-events/" + campaign).then().statusCode(401);
    }

    @Test
    void theLiveListings_moveWithTheClock_atEachStartAndEnd() {
        Instant t = base();
        ManualClock clock = new ManualClock(t.minus(Duration.ofMinutes(1)));
        QuarkusMock.installMockForType(clock, Clock.class);
        String early = newCampaign(t, t.plus(Duration.ofHours(2)));
        String late = newCampaign(t.plus(Duration.ofHours(1)), t.plus(Duration.ofHours(3)));
        String opening = newEvent(early, "Opening", t, t.plus(Duration.ofMinutes(30)));
        String raffle = newEvent(late, "Raffle", t.plus(Duration.ofHours(2)), t.plus(Duration.ofHours(3)));

        assertThat(live("/campaign-events/live", "campaignEventId")).isEmpty();
        assertThat(live("/events/live", "eventId")).isEmpty();
        clock.advance(Duration.ofMinutes(1)); // t: the start is inside the window
        assertThat(live("/campaign-events/live", "campaignEventId")).containsExactly(early);
        assertThat(live("/events/live", "eventId")).containsExactly(opening);
        clock.advance(Duration.ofMinutes(30)); // t + 30 min: the end is not
        assertThat(live("/events/live", "eventId")).isEmpty();
        clock.advance(Duration.ofMinutes(30)); // t + 1 h
        assertThat(live("/campaign-events/live", "campaignEventId")).containsExactly(early, late);
        clock.advance(Duration.ofHours(1)); // t + 2 h
        assertThat(live("/campaign-events/live", "campaignEventId")).containsExactly(late);
        assertThat(live("/events/live", "eventId")).containsExactly(raffle);
        clock.advance(Duration.ofHours(1)); // t + 3 h
        assertThat(live("/campaign-events/live", "campaignEventId")).isEmpty();
        assertThat(live("/events/live", "eventId")).isEmpty();
        // "live" is a route of its own, not an id
        Api.demo().body(campaign("x", t, t.plusSeconds(1))).put("/campaign-events/live").then().statusCode(404);
    }

    /**
     * What a read shows once the write's invalidation has come through the queue: reads are
     * served from the cache, which learns of a write within the stated bound, not at once.
     */
    private static void eventually(Runnable read) {
        await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(25))
                .untilAsserted(read::run);
    }

    private static List<String> live(String path, String idField) {
        return Api.demo().get(path).then().statusCode(200).extract().path("items." + idField);
    }
}
