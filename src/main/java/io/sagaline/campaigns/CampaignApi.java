package io.sagaline.campaigns;

import java.time.Instant;
import java.util.List;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/**
 * The campaigns part of the HTTP contract. Dates are ISO-8601 instants with an offset, written
 * back in UTC; a window is half-open: it contains its start, not its end.
 */
public final class CampaignApi {

    private CampaignApi() {
    }

    /** The body of {@code POST} and {@code PUT /campaign-events}, and what a PATCH patches. */
    public record WriteCampaign(
            @NotBlank @Size(max = 200) String name,
            @NotNull String startDate,
            @NotNull String endDate) {
    }

    public record CampaignView(String campaignEventId, String name, Instant startDate, Instant endDate, Instant createdAt,
            Instant updatedAt) {

        static CampaignView of(Campaign c) {
            return new CampaignView(c.id.toString(), c.name, c.startDate.toInstant(), c.endDate.toInstant(),
                    c.createdAt.toInstant(), c.updatedAt.toInstant());
        }

        WriteCampaign asWrite() {
            return new WriteCampaign(name, startDate.toString(), endDate.toString());
        }
    }

    /** The body of {@code POST} and {@code PUT /events}, and what a PATCH patches. */
    public record WriteEvent(
            @NotBlank @Size(max = 200) String name,
            @NotNull String campaignEventId,
            @NotNull String startDate,
            @NotNull String endDate) {
    }

    public record EventView(String eventId, String campaignEventId, String name, Instant startDate, Instant endDate,
            Instant createdAt, Instant updatedAt) {

        static EventView of(Event e) {
            return new EventView(e.id.toString(), e.campaignId.toString(), e.name, e.startDate.toInstant(),
                    e.endDate.toInstant(), e.createdAt.toInstant(), e.updatedAt.toInstant());
        }

        WriteEvent asWrite() {
            return new WriteEvent(name, campaignEventId, startDate.toString(), endDate.toString());
        }
    }

    /** A page of a listing, ordered by start then id; {@code nextToken} asks for the next one (null: the last page). */
    public record CampaignPage(List<CampaignView> items, String nextToken) {
    }

    /** A page of events, as {@link CampaignPage}. */
    public record EventPage(List<EventView> items, String nextToken) {
    }
}
