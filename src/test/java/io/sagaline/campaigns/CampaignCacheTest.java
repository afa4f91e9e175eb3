package io.sagaline.campaigns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.agroal.api.AgroalDataSource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.sagaline.support.Api;
import io.sagaline.support.Db;
import io.sagaline.support.EmbeddedRedis;
import io.sagaline.support.ManualClock;

/**
 * The campaigns cache as several function instances share it: each instance is a
 * {@link CampaignCache} of its own (its own near tier) over the one embedded Redis, as Lambda
 * instances share ElastiCache. What a write changes reaches every near tier within the stated
 * bound; a miss storm loads once; Redis away costs the cache, not the answers.
 */
@QuarkusTest
class CampaignCacheTest {

    /** The stated bound: the near tiers' revalidation (1 s) plus the queue's delivery, with room for a busy machine. */
    private static final Duration BOUND = Duration.ofSeconds(3);

    @Inject
    CacheStore store;
    @Inject
    ObjectMapper json;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    CampaignCache application;
    @Inject
    RedisDataSource redis;
    @Inject
    io.quarkus.redis.datasource.ReactiveRedisDataSource reactiveRedis;

    /** A CacheStore that fails every command while {@code down}: one process cut off from a Redis that keeps its data. */
    @jakarta.enterprise.inject.Vetoed
    static final class CutOff extends CacheStore {
        volatile boolean down;

        CutOff(io.quarkus.redis.datasource.ReactiveRedisDataSource redis) {
            super(redis, Duration.ofSeconds(1));
        }

        @Override
        public io.vertx.mutiny.redis.client.Response command(String command, String... args) {
            if (down) {
                return super.command("NO-SUCH-COMMAND-WHILE-CUT-OFF");
            }
            return super.command(command, args);
        }
    }

    private CampaignCache instance() {
        return instance(Clock.systemUTC());
    }

    private CampaignCache instance(Clock clock) {
        return new CampaignCache(store, json, clock, new CampaignCache.Settings(Duration.ofSeconds(60),
                Duration.ofSeconds(1), 1_000, Duration.ofSeconds(2), Duration.ofSeconds(1)));
    }

    private static Instant base() {
        return Instant.parse("3000-01-01T00:00:00Z")
                .plus(Duration.ofHours(ThreadLocalRandom.current().nextLong(1, 50_000_000)));
    }

    private static String newCampaign(String name) {
        Instant t = base();
        return Api.demo().body(Map.of("name", name, "startDate", t.toString(), "endDate", t.plusSeconds(3600).toString()))
                .post("/campaign-events").then().statusCode(201).extract().path("campaignEventId");
    }

    private static void rename(String id, String name) {
        Api.demo().contentType("application/merge-patch+json").body(Map.of("name", name)).patch("/campaign-events/" + id)
                .then().statusCode(200);
    }

    /** The campaign's name as the database has it: what an instance loads on a miss. */
    private CampaignCache.Loaded<String> nameFromDatabase(String id, AtomicInteger loads) {
        loads.incrementAndGet();
        List<Map<String, Object>> rows = new Db(dataSource).rows("select name from campaigns.campaigns where id = ?::uuid", id);
        return new CampaignCache.Loaded<>(rows.stream().map(r -> (String) r.get("name")).findFirst(), null);
    }

    @Test
    void aWrite_reachesEveryInstancesNearCache_withinTheStatedBound() {
        String id = newCampaign("Before");
        List<CampaignCache> instances = List.of(instance(), instance(), instance(), instance());
        AtomicInteger loads = new AtomicInteger();
        await().atMost(BOUND).until(() -> instances.stream().allMatch(
                c -> c.get("demo", CampaignService.campaignTag(id), "test-name:" + id, String.class,
                        () -> nameFromDatabase(id, loads)).orElse("")
                        .equals("Before")));
        int warm = loads.get();
        for (CampaignCache c : instances) { // warm: answered by the near tier, no load
            assertThat(c.get("demo", CampaignService.campaignTag(id), "test-name:" + id, String.class,
                    () -> nameFromDatabase(id, loads))).contains("Before");
        }
        assertThat(loads.get()).isEqualTo(warm);

        long written = System.nanoTime();
        rename(id, "After");
        List<Long> staleMillis = new ArrayList<>();
        for (CampaignCache c : instances) {
            await().atMost(BOUND).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10))
                    .until(() -> c.get("demo", CampaignService.campaignTag(id), "test-name:" + id, String.class,
                            () -> nameFromDatabase(id, loads)).equals(Optional.of("After")));
            staleMillis.add((System.nanoTime() - written) / 1_000_000);
        }
        assertThat(staleMillis).allSatisfy(ms -> assertThat(ms).isLessThan(BOUND.toMillis()));
    }

    @Test
    void anInvalidation_dropsTheReadsOfItsTagsOnly_everyOtherEntryStaysWarmInEveryInstance() {
        String tenant = "cache-test-" + UUID.randomUUID();
        ManualClock clock = new ManualClock(Instant.parse("2031-05-01T10:00:00Z"));
        List<CampaignCache> instances = List.of(instance(clock), instance(clock));
        Map<String, String> database = new java.util.concurrent.ConcurrentHashMap<>(Map.of("a", "a1", "b", "b1"));
        AtomicInteger loadsOfA = new AtomicInteger();
        AtomicInteger loadsOfB = new AtomicInteger();
        java.util.function.BiFunction<CampaignCache, String, Optional<String>> read = (c, name) -> c.get(tenant,
                "tag-" + name, "key-" + name, String.class, () -> {
                    (name.equals("a") ? loadsOfA : loadsOfB).incrementAndGet();
                    return new CampaignCache.Loaded<>(Optional.of(database.get(name)), null);
                });
        for (CampaignCache c : instances) {
            assertThat(read.apply(c, "a")).contains("a1");
            assertThat(read.apply(c, "b")).contains("b1");
        }
        assertThat(loadsOfA.get()).as("the second instance finds a in Redis").isEqualTo(1);
        assertThat(loadsOfB.get()).isEqualTo(1);

        database.put("a", "a2");
        database.put("b", "b2"); // changed too, but announced by no invalidation: the cache must keep b1
        instance(clock).invalidate(tenant, List.of("tag-a")); // as the queue consumer does, in another process
        clock.advance(Duration.ofMillis(1_001)); // past the near tiers' revalidation
        for (CampaignCache c : instances) {
            assertThat(read.apply(c, "a")).contains("a2");
            assertThat(read.apply(c, "b")).as("an entry of another tag").contains("b1");
            assertThat(CampaignCache.lastTier()).as("answered by the near tier, revalidated").isEqualTo("near");
        }
        assertThat(loadsOfA.get()).as("a loaded again once, for both instances").isEqualTo(2);
        assertThat(loadsOfB.get()).as("b not loaded again").isEqualTo(1);
    }

    @Test
    void eachWrite_announcesExactlyTheCachedReadsItMakesStale() {
        Instant t = base();
        String campaign = Api.send("POST", "/campaign-events", Map.of("name", "Future", "startDate", t.toString(),
                "endDate", t.plusSeconds(3600).toString()), 201).get("campaignEventId").asText();
        assertThat(lastAnnounced(campaign)).containsExactly(CampaignService.campaignTag(campaign),
                CampaignService.eventsOfTag(campaign), CampaignService.LIVE_CAMPAIGNS);

        rename(campaign, "Renamed while not live");
        assertThat(lastAnnounced(campaign)).as("a rename of a campaign not live now leaves the live listing")
                .containsExactly(CampaignService.campaignTag(campaign));

        Api.send("PUT", "/campaign-events/" + campaign, Map.of("name", "Renamed while not live", "startDate",
                t.toString(), "endDate", t.plusSeconds(7200).toString()), 200);
        assertThat(lastAnnounced(campaign)).as("a new window may move the live listing's next boundary")
                .containsExactly(CampaignService.campaignTag(campaign), CampaignService.LIVE_CAMPAIGNS);

        String other = newCampaign("Another");
        String event = Api.send("POST", "/events", Map.of("name", "Opening", "campaignEventId", campaign, "startDate",
                t.toString(), "endDate", t.plusSeconds(600).toString()), 201).get("eventId").asText();
        assertThat(lastAnnounced(event)).containsExactly(CampaignService.eventTag(event),
                CampaignService.eventsOfTag(campaign), CampaignService.LIVE_EVENTS);

        Api.send("PATCH", "/events/" + event, Map.of("name", "Grand opening"), 200);
        assertThat(lastAnnounced(event)).containsExactly(CampaignService.eventTag(event),
                CampaignService.eventsOfTag(campaign));

        Instant o = Instant.parse(Api.get("/campaign-events/" + other, 200).get("startDate").asText());
        Api.send("PUT", "/events/" + event, Map.of("name", "Grand opening", "campaignEventId", other, "startDate",
                o.toString(), "endDate", o.plusSeconds(600).toString()), 200);
        assertThat(lastAnnounced(event)).as("a move: both campaigns' listings, and a new window")
                .containsExactlyInAnyOrder(CampaignService.eventTag(event), CampaignService.eventsOfTag(campaign),
                        CampaignService.eventsOfTag(other), CampaignService.LIVE_EVENTS);

        Api.send("PATCH", "/events/" + event, Map.of("name", "Grand opening"), 200);
        assertThat(lastAnnounced(event)).as("a write that changes nothing makes nothing stale").isEmpty();

        Api.demo().delete("/campaign-events/" + other).then().statusCode(204);
        assertThat(lastAnnounced(other)).as("a delete takes its events' reads with it")
                .containsExactly(CampaignService.campaignTag(other), CampaignService.eventTag(event),
                        CampaignService.eventsOfTag(other));
        Api.get("/events/" + event, 404);
    }

    /** The tags named by the newest CampaignsChanged message about {@code id} (a campaign or an event). */
    private List<String> lastAnnounced(String id) {
        List<Map<String, Object>> rows = new Db(dataSource).rows(
                "select body::jsonb -> 'payload' -> 'invalidates' as tags from campaigns.outbox"
                        + " where body::jsonb ->> 'causationId' = ? order by occurred_at desc limit 1",
                id);
        assertThat(rows).as("a message about " + id).hasSize(1);
        List<String> tags = new ArrayList<>();
        try {
            json.readTree(rows.get(0).get("tags").toString()).forEach(tag -> tags.add(tag.asText()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError(e);
        }
        return tags;
    }

    @Test
    void aMissStormOnOneColdKey_acrossInstances_reachesTheDatabaseOnce() throws Exception {
        String id = newCampaign("Cold");
        List<CampaignCache> instances = List.of(instance(), instance(), instance(), instance());
        AtomicInteger loads = new AtomicInteger();
        ExecutorService readers = Executors.newFixedThreadPool(200);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Optional<String>>> answers = new ArrayList<>();
        String key = "storm:" + UUID.randomUUID();
        for (int i = 0; i < 200; i++) {
            CampaignCache c = instances.get(i % instances.size());
            answers.add(readers.submit(() -> {
                go.await();
                return c.get("demo", key, String.class, () -> {
                    CampaignCache.Loaded<String> loaded = nameFromDatabase(id, loads);
                    try {
                        Thread.sleep(200); // a slow query: the others arrive while it runs
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return loaded;
                });
            }));
        }
        go.countDown();
        for (Future<Optional<String>> answer : answers) {
            assertThat(answer.get()).contains("Cold");
        }
        readers.shutdown();
        assertThat(loads.get()).as("database queries for 200 concurrent readers of a cold key on 4 instances").isEqualTo(1);
    }

    @Test
    void oneTenantsRead_isNeverAnsweredFromAnotherTenantsEntry() {
        CampaignCache c = instance();
        String key = "same-key:" + UUID.randomUUID();
        assertThat(c.get("demo", key, String.class, () -> new CampaignCache.Loaded<>(Optional.of("demo's"), null)))
                .contains("demo's");
        assertThat(c.get("other", key, String.class, () -> new CampaignCache.Loaded<>(Optional.of("other's"), null)))
                .contains("other's");
        assertThat(instance().get("other", key, String.class, () -> new CampaignCache.Loaded<>(Optional.of("loaded"), null)))
                .as("another instance finds other's entry in Redis").contains("other's");
        assertThat(c.get("demo", key, String.class, () -> new CampaignCache.Loaded<>(Optional.of("loaded"), null)))
                .contains("demo's");
    }

    @Test
    void anInvalidationThatCouldNotReachRedis_isMadeGoodWhenRedisAnswersAgain_byANewEpoch() {
        String tenant = "cache-test-" + UUID.randomUUID();
        String key = "lost:" + UUID.randomUUID();
        java.util.concurrent.atomic.AtomicReference<String> database = new java.util.concurrent.atomic.AtomicReference<>("v1");
        CutOff cutOff = new CutOff(reactiveRedis);
        CampaignCache process = new CampaignCache(cutOff, json, Clock.systemUTC(), new CampaignCache.Settings(
                Duration.ofSeconds(60), Duration.ofSeconds(1), 1_000, Duration.ofSeconds(2), Duration.ofSeconds(1)));
        Supplier<CampaignCache.Loaded<String>> load = () -> new CampaignCache.Loaded<>(Optional.of(database.get()), null);
        assertThat(process.get(tenant, key, String.class, load)).contains("v1"); // in Redis and near

        database.set("v2");
        cutOff.down = true;
        assertThatThrownBy(() -> process.invalidate(tenant, List.of(key))).as("the invalidation does not reach Redis")
                .isNotNull();
        assertThat(process.get(tenant, key, String.class, load)).as("Redis away: the database").contains("v2");

        cutOff.down = false; // Redis answers again, still holding v1 under the old generation
        assertThat(process.get(tenant, key, String.class, load)).contains("v2");
        assertThat(instance().get(tenant, key, String.class, load)).as("another process").contains("v2");
    }

    @Test
    void redisStoppedMidTest_readsAnswerFromTheDatabase_writesSucceed_andNothingStaleAfterItReturns() throws Exception {
        String id = newCampaign("Before the outage");
        Api.demo().get("/campaign-events/" + id).then().statusCode(200).body("name", equalTo("Before the outage"));
        long bypassed = application.bypassed();
        EmbeddedRedis.stop();
        try {
            rename(id, "During the outage");
            // within the bound (a near cache trusts what it checked less than a second ago), then every time
            await().atMost(BOUND).untilAsserted(() -> Api.demo().get("/campaign-events/" + id).then().statusCode(200)
                    .body("name", equalTo("During the outage")));
            for (int i = 0; i < 10; i++) {
                Api.demo().get("/campaign-events/" + id).then().statusCode(200).body("name", equalTo("During the outage"));
            }
            assertThat(application.bypassed()).isGreaterThan(bypassed);
        } finally {
            EmbeddedRedis.restart();
        }
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> store.command("PING") != null);
        servedFromTheCacheAgain(id, "During the outage");
    }

    @Test
    void redisUnresponsive_readsAnswerFromTheDatabase_andAnEntryAnInvalidationMissedIsNotServedAfter() {
        String id = newCampaign("Before the pause");
        Api.demo().get("/campaign-events/" + id).then().statusCode(200).body("name", equalTo("Before the pause"));
        // Redis keeps its data but answers nobody for 3 s: the entry above stays in it, and the
        // invalidation of the write below cannot reach it.
        redis.execute("CLIENT", "PAUSE", "3000", "ALL");
        long pauseEnds = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        rename(id, "During the pause");
        await().atMost(BOUND).untilAsserted(() -> Api.demo().get("/campaign-events/" + id).then().statusCode(200)
                .body("name", equalTo("During the pause")));
        assertThat(System.nanoTime()).as("the pause lasted past the bound").isLessThan(pauseEnds);
        while (System.nanoTime() < pauseEnds) {
            Api.demo().get("/campaign-events/" + id).then().statusCode(200).body("name", equalTo("During the pause"));
        }
        servedFromTheCacheAgain(id, "During the pause");
    }

    /**
     * Reads until the cache answers again (Redis back, the breaker closed), each of them, and then
     * a few from the cache, showing {@code name}: never what the cache held before.
     */
    private void servedFromTheCacheAgain(String id, String name) {
        long cached = application.nearHits() + application.redisHits();
        await().atMost(Duration.ofSeconds(15)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50)).until(() -> {
            Api.demo().get("/campaign-events/" + id).then().statusCode(200).body("name", equalTo(name));
            return application.nearHits() + application.redisHits() > cached + 5;
        });
    }
}
