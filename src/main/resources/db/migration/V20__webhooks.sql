-- Webhooks (README, "Webhooks"): a tenant's subscriptions to its orders' verdicts, the deliveries
-- each event makes (one per subscription that wants it), and every attempt of each.
create schema if not exists webhooks;

create table webhooks.subscriptions (
    id                         uuid          primary key,
    tenant                     varchar(64)   not null,
    url                        varchar(2048) not null,
    events                     text[]        not null,
    -- the signing secret, sealed under the subscription's own data key (data_keys); during a
    -- rotation's overlap the previous one too, until previous_secret_expires_at
    secret_sealed              bytea,
    previous_secret_sealed     bytea,
    previous_secret_expires_at timestamptz,
    created_at                 timestamptz   not null,
    secret_rotated_at          timestamptz,
    deleted_at                 timestamptz
);
create index subscriptions_of_tenant on webhooks.subscriptions (tenant, created_at, id) where deleted_at is null;

create table webhooks.deliveries (
    id               uuid         primary key,
    tenant           varchar(64)  not null,
    subscription_id  uuid         not null references webhooks.subscriptions (id),
    event_id         uuid         not null,
    event_type       varchar(64)  not null,
    order_id         uuid,
    occurred_at      timestamptz  not null,
    body             text         not null,
    status           varchar(16)  not null check (status in ('PENDING', 'SENDING', 'DELIVERED', 'FAILED', 'CANCELLED')),
    attempts         int          not null default 0,
    -- the attempts before the last replay (or redrive): the backoff counts from there
    retry_base       int          not null default 0,
    next_attempt_at  timestamptz  not null,
    claimed_until    timestamptz,
    first_attempt_at timestamptz,
    created_at       timestamptz  not null,
    delivered_at     timestamptz,
    failed_at        timestamptz,
    unique (subscription_id, event_id)
);
-- what is still to be delivered, per subscription and order, oldest event first (the ordering rule)
create index deliveries_open on webhooks.deliveries (subscription_id, order_id, occurred_at)
    where status in ('PENDING', 'SENDING');
create index deliveries_of_subscription on webhooks.deliveries (subscription_id, created_at, id);
-- what the sweep looks at: open deliveries by when they are due
create index deliveries_due on webhooks.deliveries (next_attempt_at) where status in ('PENDING', 'SENDING');

create table webhooks.attempts (
    delivery_id     uuid         not null references webhooks.deliveries (id),
    attempt         int          not null,
    tenant          varchar(64)  not null,
    started_at      timestamptz  not null,
    latency_ms      int,
    response_status int,
    outcome         varchar(16)  not null check (outcome in ('DELIVERED', 'FAILED', 'REFUSED', 'CIRCUIT_OPEN')),
    error           varchar(500),
    primary key (delivery_id, attempt)
);

create table webhooks.data_keys (
    tenant        varchar(64)   not null,
    subject       varchar(64)   not null,
    wrapped_key   bytea         not null,
    master_key_id varchar(2048) not null,
    created_at    timestamptz   not null,
    rewrapped_at  timestamptz,
    primary key (tenant, subject)
);
create index data_keys_by_master on webhooks.data_keys (master_key_id);

create table webhooks.processed_messages (
    consumer     varchar(64) not null,
    message_id   uuid        not null,
    tenant       varchar(64) not null,
    type         varchar(64) not null,
    processed_at timestamptz not null,
    primary key (consumer, message_id)
);
