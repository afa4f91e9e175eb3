package io.sagaline.campaigns;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.hibernate.reactive.panache.PanacheQuery;
import io.sagaline.campaigns.CampaignApi.CampaignPage;
import io.sagaline.campaigns.CampaignApi.CampaignView;
import io.sagaline.campaigns.CampaignApi.EventPage;
import io.sagaline.campaigns.CampaignApi.EventView;
import io.sagaline.campaigns.CampaignApi.WriteCampaign;
import io.sagaline.campaigns.CampaignApi.WriteEvent;
import io.sagaline.platform.Ids;
import io.sagaline.platform.Reactive;
import io.sagaline.platform.http.ApiException;
import io.sagaline.platform.http.ETags;
import io.sagaline.platform.http.Instants;
import io.sagaline.platform.http.Paging;
import io.sagaline.platform.http.Problem;
import io.sagaline.platform.messaging.Envelope;
import io.sagaline.platform.messaging.Outbox;
import io.smallrye.mutiny.Uni;

/**
 * Campaigns and their events, every operation in one transaction, every query scoped by tenant.
 * An event lies inside its campaign's window: whoever writes an event holds its campaign's row
 * (FOR SHARE), and a change of a campaign's window holds it FOR UPDATE while it checks the events,
 * so the two can never pass each other. Campaign rows are locked before event rows, always.
 * Writes check {@code If-Match} against the resource as it is, under its lock.
 */
@ApplicationScoped
public class CampaignService {

    static final String SCHEMA = "campaigns";
    /** What every change announces, for the cache's invalidation. */
    public static final String CHANGED = "CampaignsChanged";
    /** Version 2 names the tags it invalidates; version 1 named only the campaign (and event). */
    static final int CHANGED_VERSION = 2;

    private final Clock clock;
    private final ETags etags;
    private final CampaignCache cache;
    private final Outbox outbox;
    private final ObjectMapper json;

    CampaignService(Clock clock, ETags etags, CampaignCache cache, Outbox outbox, ObjectMapper json) {
        this.clock = clock;
        this.etags = etags;
        this.cache = cache;
        this.outbox = outbox;
        this.json = json;
    }

    /** The tag of a campaign's own read: a write to the campaign drops it. */
    static String campaignTag(Object campaignId) {
        return "campaign:" + campaignId;
    }

    /** The tag of the listing of a campaign's events: a write to one of them (or the campaign's deletion) drops it. */
    static String eventsOfTag(Object campaignId) {
        return "events-of:" + campaignId;
    }

    /** The tag of an event's own read. */
    static String eventTag(Object eventId) {
        return "event:" + eventId;
    }

    /** The tags of the live listings: a write that may add to one, take from one or move its next boundary drops it. */
    static final String LIVE_CAMPAIGNS = "live-campaigns";
    static final String LIVE_EVENTS = "live-events";

    /** What a write did: its answer, the campaign and event it touched, and the cached reads it made stale (their tags). */
    private record Changed<T>(T result, Object campaignId, Object eventId, Set<String> invalidates) {
    }

    /**
     * Runs {@code change} in one transaction with the message that announces it (what it touched
     * and the tags of the reads it made stale), and sends that message right after the commit (or
     * the sweeper does).
     */
    private <T> T announcing(String tenant, Supplier<Uni<Changed<T>>> change) {
        AtomicReference<List<Envelope>> messages = new AtomicReference<>();
        T result = Reactive.inTransaction(() -> change.get().call(changed -> {
            messages.set(announcements(tenant, changed));
            Uni<Integer> added = Uni.createFrom().item(0);
            for (Envelope message : messages.get()) {
                added = added.chain(ignored -> outbox.add(SCHEMA, message));
            }
            return added;
        }).map(Changed::result));
        outbox.publish(SCHEMA, messages.get());
        return result;
    }

    /** At most this many tags to a message (a campaign deleted with thousands of events takes several). */
    static final int TAGS_PER_MESSAGE = 200;

    private List<Envelope> announcements(String tenant, Changed<?> changed) {
        List<String> tags = changed.invalidates().stream().sorted().toList();
        List<Envelope> messages = new ArrayList<>();
        for (int from = 0; from == 0 || from < tags.size(); from += TAGS_PER_MESSAGE) {
            ObjectNode payload = json.createObjectNode().put("campaignEventId", changed.campaignId().toString());
            if (changed.eventId() != null) {
                payload.put("eventId", changed.eventId().toString());
            }
            tags.subList(from, Math.min(tags.size(), from + TAGS_PER_MESSAGE)).forEach(payload.putArray("invalidates")::add);
            String subject = (changed.eventId() == null ? changed.campaignId() : changed.eventId()).toString();
            messages.add(new Envelope(UUID.randomUUID(), CHANGED, CHANGED_VERSION, tenant, changed.campaignId().toString(),
                    subject, clock.instant(), payload));
        }
        return messages;
    }

    /** A window as the API takes it: both ends parsed, the end after the start. */
    private record Window(OffsetDateTime start, OffsetDateTime end) {

        static Window of(String start, String end) {
            Instant s = Instants.parse("startDate", start);
            Instant e = Instants.parse("endDate", end);
            if (!e.isAfter(s)) {
                throw ApiException.badRequest("endDate", "must be after startDate (" + s + ")");
            }
            return new Window(s.atOffset(ZoneOffset.UTC), e.atOffset(ZoneOffset.UTC));
        }

        boolean contains(Window inner) {
            return !inner.start.isBefore(start) && !inner.end.isAfter(end);
        }
    }

    /** Whether a window contains {@code now}, as the live listings ask it. */
    private static boolean live(OffsetDateTime start, OffsetDateTime end, OffsetDateTime now) {
        return !start.isAfter(now) && end.isAfter(now);
    }

    private OffsetDateTime now() {
        return clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
    }

    // ---- campaigns

    public CampaignView create(String tenant, WriteCampaign body) {
        Window window = Window.of(body.startDate(), body.endDate());
        Campaign c = new Campaign();
        c.id = UUID.randomUUID();
        c.tenant = tenant;
        c.name = body.name();
        c.startDate = window.start();
        c.endDate = window.end();
        c.version = 1;
        c.createdAt = now();
        c.updatedAt = c.createdAt;
        // A new campaign may be live, or move the live listing's next boundary.
        return announcing(tenant, () -> c.persist().map(ignored -> new Changed<>(CampaignView.of(c), c.id, null,
                Set.of(campaignTag(c.id), eventsOfTag(c.id), LIVE_CAMPAIGNS))));
    }

    public Optional<CampaignView> find(String tenant, String id) {
        return Ids.uuid(id).flatMap(uuid -> cache.get(tenant, campaignTag(uuid), CampaignView.class,
                () -> forever(Reactive.inTransaction(() -> campaign(tenant, uuid, LockModeType.NONE)
                        .map(c -> c == null ? null : CampaignView.of(c))))));
    }

    /** A value that stays true until a write changes it (the cache's ttl still bounds it). */
    private static <T> CampaignCache.Loaded<T> forever(T value) {
        return new CampaignCache.Loaded<>(Optional.ofNullable(value), null);
    }

    /** PUT: the campaign as {@code body} says. */
    public CampaignView replace(String tenant, String id, Optional<String> ifMatch, WriteCampaign body) {
        return change(tenant, id, ifMatch, current -> body);
    }

    /**
     * PUT or PATCH: {@code change} turns the campaign as it is (under its lock, after If-Match) into
     * what it becomes; 409 if that window would leave one of its events outside.
     */
    public CampaignView change(String tenant, String id, Optional<String> ifMatch, UnaryOperator<WriteCampaign> change) {
        UUID uuid = Ids.uuid(id).orElseThrow(() -> ApiException.notFound("campaign event", id));
        return announcing(tenant, () -> campaign(tenant, uuid, LockModeType.PESSIMISTIC_WRITE).chain(c -> {
            if (c == null) {
                throw ApiException.notFound("campaign event", id);
            }
            CampaignView before = CampaignView.of(c);
            etags.requireMatch(ifMatch, before);
            WriteCampaign after = change.apply(before.asWrite());
            Window window = Window.of(after.startDate(), after.endDate());
            return Event
                    .<Event> find("campaignId = ?1 and (startDate < ?2 or endDate > ?3) order by startDate, id", uuid,
                            window.start(), window.end())
                    .firstResult().map(outside -> {
                        if (outside != null) {
                            throw outside(outside, window);
                        }
                        Set<String> stale = new HashSet<>();
                        if (!before.asWrite()
                                .equals(new WriteCampaign(after.name(), window.start().toInstant().toString(),
                                        window.end().toInstant().toString()))) {
                            stale.add(campaignTag(uuid));
                            OffsetDateTime now = now();
                            // The live listing shows it (before or after), or its next boundary may move.
                            if (live(c.startDate, c.endDate, now) || live(window.start(), window.end(), now)
                                    || !c.startDate.isEqual(window.start()) || !c.endDate.isEqual(window.end())) {
                                stale.add(LIVE_CAMPAIGNS);
                            }
                            c.name = after.name();
                            c.startDate = window.start();
                            c.endDate = window.end();
                            c.version++;
                            c.updatedAt = now;
                        }
                        return new Changed<>(CampaignView.of(c), uuid, null, stale);
                    });
        }));
    }

    private static ApiException outside(Event event, Window window) {
        List<Problem.FieldError> errors = new ArrayList<>();
        if (event.startDate.isBefore(window.start())) {
            errors.add(new Problem.FieldError("startDate", "must be at or before " + event.startDate.toInstant()
                    + ", the start of its event " + event.id));
        }
        if (event.endDate.isAfter(window.end())) {
            errors.add(new Problem.FieldError("endDate", "must be at or after " + event.endDate.toInstant()
                    + ", the end of its event " + event.id));
        }
        return new ApiException(409, "conflict", "Conflict", "the new window would leave event " + event.id
                + " (" + event.startDate.toInstant() + " to " + event.endDate.toInstant() + ") outside its campaign event",
                errors);
    }

    /** DELETE: the campaign and its events. */
    public void delete(String tenant, String id, Optional<String> ifMatch) {
        UUID uuid = Ids.uuid(id).orElseThrow(() -> ApiException.notFound("campaign event", id));
        announcing(tenant, () -> campaign(tenant, uuid, LockModeType.PESSIMISTIC_WRITE).chain(c -> {
            if (c == null) {
                throw ApiException.notFound("campaign event", id);
            }
            etags.requireMatch(ifMatch, CampaignView.of(c));
            // Its events go with it (on delete cascade); no event can join it meanwhile (a writer
            // of an event holds its campaign FOR SHARE).
            return Event.<Event> find("tenant = ?1 and campaignId = ?2", tenant, uuid).list().chain(events -> {
                OffsetDateTime now = now();
                Set<String> stale = new HashSet<>(Set.of(campaignTag(uuid), eventsOfTag(uuid)));
                if (live(c.startDate, c.endDate, now)) {
                    stale.add(LIVE_CAMPAIGNS);
                }
                for (Event e : events) {
                    stale.add(eventTag(e.id));
                    if (live(e.startDate, e.endDate, now)) {
                        stale.add(LIVE_EVENTS);
                    }
                }
                return c.delete().map(ignored -> new Changed<>(null, uuid, null, stale));
            });
        }));
    }

    /** The events of a campaign, a page at a time; 404 if the campaign does not exist. */
    public EventPage events(String tenant, String id, Paging paging) {
        UUID uuid = Ids.uuid(id).orElseThrow(() -> ApiException.notFound("campaign event", id));
        return cache.get(tenant, eventsOfTag(uuid), "events:" + uuid + ":" + paging.key(), EventPage.class,
                () -> forever(Reactive.inTransaction(() -> campaign(tenant, uuid, LockModeType.NONE)
                        .chain(c -> c == null ? Uni.createFrom().<EventPage> nullItem()
                                : eventPage(paging, "tenant = ?1 and campaignId = ?2", tenant, uuid)))))
                .orElseThrow(() -> ApiException.notFound("campaign event", id));
    }

    /**
     * The campaigns whose window contains now. Cached until the next start or end of any of the
     * tenant's campaigns, when the listing may change without a write.
     */
    public CampaignPage live(String tenant, Paging paging) {
        return cache.get(tenant, LIVE_CAMPAIGNS, "live:" + paging.key(), CampaignPage.class, () -> {
            OffsetDateTime now = now();
            return Reactive.inTransaction(() -> campaignPage(paging, "tenant = ?1 and startDate <= ?2 and endDate > ?2", tenant,
                    now).chain(
                            page -> nextBoundary("Campaign", tenant, now)
                                    .map(next -> new CampaignCache.Loaded<>(Optional.of(page), next))));
        }).orElseThrow();
    }

    /** The next start or end after {@code now} among the tenant's campaigns or events (null: none). */
    private static Uni<Instant> nextBoundary(String entity, String tenant, OffsetDateTime now) {
        return io.quarkus.hibernate.reactive.panache.Panache.getSession().chain(session -> session
                .createSelectionQuery("select min(x.startDate) from " + entity + " x where x.tenant = ?1 and x.startDate > ?2",
                        OffsetDateTime.class)
                .setParameter(1, tenant).setParameter(2, now).getSingleResultOrNull()
                .chain(start -> session
                        .createSelectionQuery(
                                "select min(x.endDate) from " + entity + " x where x.tenant = ?1 and x.endDate > ?2",
                                OffsetDateTime.class)
                        .setParameter(1, tenant).setParameter(2, now).getSingleResultOrNull()
                        .map(end -> earlier(start, end))));
    }

    private static Instant earlier(OffsetDateTime a, OffsetDateTime b) {
        if (a == null || b == null) {
            return a == null ? (b == null ? null : b.toInstant()) : a.toInstant();
        }
        return a.isBefore(b) ? a.toInstant() : b.toInstant();
    }

    // ---- events

    public EventView createEvent(String tenant, WriteEvent body) {
        Window window = Window.of(body.startDate(), body.endDate());
        UUID campaignId = campaignId(body.campaignEventId());
        Event e = new Event();
        e.id = UUID.randomUUID();
        e.tenant = tenant;
        e.campaignId = campaignId;
        e.name = body.name();
        e.startDate = window.start();
        e.endDate = window.end();
        e.version = 1;
        e.createdAt = now();
        e.updatedAt = e.createdAt;
        return announcing(tenant, () -> campaignHolding(tenant, campaignId, window).chain(c -> e.persist())
                .map(ignored -> new Changed<>(EventView.of(e), campaignId, e.id,
                        Set.of(eventTag(e.id), eventsOfTag(campaignId), LIVE_EVENTS))));
    }

    public Optional<EventView> findEvent(String tenant, String id) {
        return Ids.uuid(id).flatMap(uuid -> cache.get(tenant, eventTag(uuid), EventView.class,
                () -> forever(Reactive.inTransaction(() -> event(tenant, uuid, LockModeType.NONE)
                        .map(e -> e == null ? null : EventView.of(e))))));
    }

    public EventView replaceEvent(String tenant, String id, Optional<String> ifMatch, WriteEvent body) {
        return changeEvent(tenant, id, ifMatch, current -> body);
    }

    /**
     * PUT or PATCH of an event (which may move it to another campaign of the tenant). The campaigns
     * it leaves and joins are locked first (FOR SHARE, in id order), then the event.
     */
    public EventView changeEvent(String tenant, String id, Optional<String> ifMatch, UnaryOperator<WriteEvent> change) {
        UUID uuid = Ids.uuid(id).orElseThrow(() -> ApiException.notFound("event", id));
        return announcing(tenant, () -> event(tenant, uuid, LockModeType.NONE).chain(seen -> {
            if (seen == null) {
                throw ApiException.notFound("event", id);
            }
            // Lock the campaign it is in before the event: the order every writer keeps.
            return campaign(tenant, seen.campaignId, LockModeType.PESSIMISTIC_READ)
                    .chain(ignored -> event(tenant, uuid, LockModeType.PESSIMISTIC_WRITE))
                    .chain(e -> {
                        if (e == null) {
                            throw ApiException.notFound("event", id);
                        }
                        if (!e.campaignId.equals(seen.campaignId)) {
                            throw new ApiException(409, "conflict", "Conflict",
                                    "event " + id + " was moved to another campaign event meanwhile; send the request again");
                        }
                        EventView before = EventView.of(e);
                        etags.requireMatch(ifMatch, before);
                        WriteEvent after = change.apply(before.asWrite());
                        Window window = Window.of(after.startDate(), after.endDate());
                        UUID target = campaignId(after.campaignEventId());
                        return campaignHolding(tenant, target, window).map(c -> {
                            WriteEvent normalised = new WriteEvent(after.name(), target.toString(),
                                    window.start().toInstant().toString(), window.end().toInstant().toString());
                            Set<String> stale = new HashSet<>();
                            if (!before.asWrite().equals(normalised)) {
                                stale.addAll(List.of(eventTag(uuid), eventsOfTag(e.campaignId), eventsOfTag(target)));
                                OffsetDateTime now = now();
                                if (live(e.startDate, e.endDate, now) || live(window.start(), window.end(), now)
                                        || !e.startDate.isEqual(window.start()) || !e.endDate.isEqual(window.end())) {
                                    stale.add(LIVE_EVENTS);
                                }
                                e.name = after.name();
                                e.campaignId = target;
                                e.startDate = window.start();
                                e.endDate = window.end();
                                e.version++;
                                e.updatedAt = now;
                            }
                            return new Changed<>(EventView.of(e), target, uuid, stale);
                        });
                    });
        }));
    }

    public void deleteEvent(String tenant, String id, Optional<String> ifMatch) {
        UUID uuid = Ids.uuid(id).orElseThrow(() -> ApiException.notFound("event", id));
        announcing(tenant, () -> event(tenant, uuid, LockModeType.PESSIMISTIC_WRITE).chain(e -> {
            if (e == null) {
                throw ApiException.notFound("event", id);
            }
            etags.requireMatch(ifMatch, EventView.of(e));
            Set<String> stale = new HashSet<>(Set.of(eventTag(uuid), eventsOfTag(e.campaignId)));
            if (live(e.startDate, e.endDate, now())) {
                stale.add(LIVE_EVENTS);
            }
            return e.delete().map(ignored -> new Changed<>(null, e.campaignId, uuid, stale));
        }));
    }

    /** The events whose own window contains now. */
    public EventPage liveEvents(String tenant, Paging paging) {
        return cache.get(tenant, LIVE_EVENTS, "live-events:" + paging.key(), EventPage.class, () -> {
            OffsetDateTime now = now();
            return Reactive
                    .inTransaction(() -> eventPage(paging, "tenant = ?1 and startDate <= ?2 and endDate > ?2", tenant, now)
                            .chain(page -> nextBoundary("Event", tenant, now).map(next -> new CampaignCache.Loaded<>(
                                    Optional.of(page), next))));
        }).orElseThrow();
    }

    // ---- queries

    private static UUID campaignId(String value) {
        return Ids.uuid(value).orElseThrow(() -> unknownCampaign(value));
    }

    private static ApiException unknownCampaign(String value) {
        return ApiException.badRequest("campaignEventId", "no campaign event '" + value + "' exists");
    }

    /** The campaign an event goes into, held FOR SHARE; 400 naming the field if it is not there or too short. */
    private static Uni<Campaign> campaignHolding(String tenant, UUID campaignId, Window event) {
        return campaign(tenant, campaignId, LockModeType.PESSIMISTIC_READ).map(c -> {
            if (c == null) {
                throw unknownCampaign(campaignId.toString());
            }
            List<Problem.FieldError> errors = new ArrayList<>();
            if (event.start().isBefore(c.startDate)) {
                errors.add(new Problem.FieldError("startDate", "must be at or after " + c.startDate.toInstant()
                        + ", the start of campaign event " + c.id));
            }
            if (event.end().isAfter(c.endDate)) {
                errors.add(new Problem.FieldError("endDate", "must be at or before " + c.endDate.toInstant()
                        + ", the end of campaign event " + c.id));
            }
            if (!errors.isEmpty()) {
                throw ApiException.invalid("the event must lie inside its campaign event's window ("
                        + c.startDate.toInstant() + " to " + c.endDate.toInstant() + ")", errors);
            }
            return c;
        });
    }

    private static Uni<Campaign> campaign(String tenant, UUID id, LockModeType lock) {
        PanacheQuery<Campaign> query = Campaign.find("tenant = ?1 and id = ?2", tenant, id);
        return (lock == LockModeType.NONE ? query : query.withLock(lock)).firstResult();
    }

    private static Uni<Event> event(String tenant, UUID id, LockModeType lock) {
        PanacheQuery<Event> query = Event.find("tenant = ?1 and id = ?2", tenant, id);
        return (lock == LockModeType.NONE ? query : query.withLock(lock)).firstResult();
    }

    private static Uni<EventPage> eventPage(Paging paging, String where, Object... params) {
        Listing q = Listing.of(paging, where, params);
        return Event.<Event> find(q.hql(), q.params()).range(0, paging.limit()).list()
                .map(rows -> new EventPage(rows.stream().limit(paging.limit()).map(EventView::of).toList(),
                        nextToken(rows, paging, e -> e.startDate, e -> e.id)));
    }

    private static Uni<CampaignPage> campaignPage(Paging paging, String where, Object... params) {
        Listing q = Listing.of(paging, where, params);
        return Campaign.<Campaign> find(q.hql(), q.params()).range(0, paging.limit()).list()
                .map(rows -> new CampaignPage(rows.stream().limit(paging.limit()).map(CampaignView::of).toList(),
                        nextToken(rows, paging, c -> c.startDate, c -> c.id)));
    }

    /** The token of the page after this one: its last item's start and id, if a row beyond the page came back. */
    private static <R> String nextToken(List<R> rows, Paging paging, java.util.function.Function<R, OffsetDateTime> start,
            java.util.function.Function<R, UUID> id) {
        if (rows.size() <= paging.limit()) {
            return null;
        }
        R last = rows.get(paging.limit() - 1);
        return Paging.token(start.apply(last).toInstant(), id.apply(last));
    }

    /**
     * A listing's query: {@code where}, after the previous page's last item if there was one,
     * ordered by start then id; the caller asks for one row more than a page to know if another follows.
     */
    private record Listing(String hql, Object[] params) {

        static Listing of(Paging paging, String where, Object... params) {
            if (paging.after().isEmpty()) {
                return new Listing(where + " order by startDate, id", params);
            }
            int n = params.length;
            Object[] all = java.util.Arrays.copyOf(params, n + 2);
            all[n] = paging.after().get().start().atOffset(ZoneOffset.UTC);
            all[n + 1] = paging.after().get().id();
            return new Listing(where + " and (startDate > ?" + (n + 1) + " or (startDate = ?" + (n + 1) + " and id > ?"
                    + (n + 2) + ")) order by startDate, id", all);
        }
    }
}
