package io.sagaline.campaigns;

import java.time.OffsetDateTime;
import java.util.UUID;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** A campaign (the API's "campaign event"): a named window of time that holds events. */
@Entity
@Table(schema = "campaigns", name = "campaigns")
public class Campaign extends PanacheEntityBase {

    @Id
    public UUID id;
    public String tenant;
    public String name;
    public OffsetDateTime startDate;
    public OffsetDateTime endDate;
    public int version;
    public OffsetDateTime createdAt;
    public OffsetDateTime updatedAt;
}
