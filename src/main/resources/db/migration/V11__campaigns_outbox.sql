-- campaigns announces its changes (CampaignsChanged) through its own outbox, in the transaction of
-- the change: the queue consumer then gives the tenant's cached reads a new generation.
create table campaigns.outbox (
    id              uuid         primary key,
    tenant          varchar(64)  not null,
    type            varchar(64)  not null,
    occurred_at     timestamptz  not null,
    body            text         not null,
    published_at    timestamptz,
    attempts        int          not null default 0,
    next_attempt_at timestamptz
);
create index outbox_unpublished on campaigns.outbox (occurred_at) where published_at is null;
