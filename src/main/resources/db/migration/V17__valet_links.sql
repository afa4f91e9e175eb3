-- Valet links (README, "Security"): a signed, time-limited link to one order's invoice that works
-- without a key, for a customer or a browser. The link's token is a JWT signed by the platform's
-- key; this row is what makes it revocable (and lists who made which link, for how long).
create table invoices.valet_links (
    id         uuid        primary key,
    tenant     varchar(64) not null,
    order_id   uuid        not null,
    created_by varchar(64) not null,
    created_at timestamptz not null,
    expires_at timestamptz not null,
    revoked_at timestamptz
);
create index valet_links_by_order on invoices.valet_links (tenant, order_id, created_at);

-- A valet link's reads are audited as the link (key_id: the link's id), not as a key.
alter table audit.entries drop constraint entries_actor_check,
    add constraint entries_actor_check check (actor in ('api-key', 'operator', 'system', 'valet-link'));
