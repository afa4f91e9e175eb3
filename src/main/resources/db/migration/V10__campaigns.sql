-- campaigns: the event campaigns of shopping centres (Black Friday, an opening week) and the events
-- inside each, read far more often than written. Every row carries its tenant; every query names it.
create schema if not exists campaigns;

create table campaigns.campaigns (
    id          uuid         primary key,
    tenant      varchar(64)  not null,
    name        varchar(200) not null,
    start_date  timestamptz  not null,
    end_date    timestamptz  not null,
    -- 1 when created, one more at every change: what the caches compare.
    version     int          not null check (version >= 1),
    created_at  timestamptz  not null,
    updated_at  timestamptz  not null,
    check (end_date > start_date)
);
-- Listings are ordered by start then id; a live listing and the next start or end look them up by time.
create index campaigns_by_start on campaigns.campaigns (tenant, start_date, id);
create index campaigns_by_end on campaigns.campaigns (tenant, end_date);

-- An event belongs to one campaign and lies inside its window (the service checks it, holding the
-- campaign's row); deleting a campaign deletes its events.
create table campaigns.events (
    id           uuid         primary key,
    tenant       varchar(64)  not null,
    campaign_id  uuid         not null references campaigns.campaigns (id) on delete cascade,
    name         varchar(200) not null,
    start_date   timestamptz  not null,
    end_date     timestamptz  not null,
    version      int          not null check (version >= 1),
    created_at   timestamptz  not null,
    updated_at   timestamptz  not null,
    check (end_date > start_date)
);
create index events_of_campaign on campaigns.events (campaign_id, start_date, id);
create index events_by_start on campaigns.events (tenant, start_date, id);
create index events_by_end on campaigns.events (tenant, end_date);
