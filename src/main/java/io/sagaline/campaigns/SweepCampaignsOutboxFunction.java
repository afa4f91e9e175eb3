package io.sagaline.campaigns;

import jakarta.inject.Named;

import io.sagaline.platform.messaging.OutboxSweeper;

/** Scheduled: the campaigns outbox's sweeper (CampaignsChanged left unsent by a crash). */
@Named("sweep-campaigns-outbox")
public class SweepCampaignsOutboxFunction extends OutboxSweeper {

    @Override
    protected String schema() {
        return CampaignService.SCHEMA;
    }
}
