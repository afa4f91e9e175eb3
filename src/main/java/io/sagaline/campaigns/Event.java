package io.sagaline.campaigns;

import java.time.OffsetDateTime;
import java.util.UUID;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** An event of a campaign, inside the campaign's window. */
@Entity
@Table(schema = "campaigns", name = "events")
public class Event extends PanacheEntityBase {

    @Id
    public UUID id;
    public String tenant;
    public UUID campaignId;
    public String name;
    public OffsetDateTime startDate;
    public OffsetDateTime endDate;
    public int version;
    public OffsetDateTime createdAt;
    public OffsetDateTime updatedAt;
}
