-- customers owns credit: the limit and what is still available of it.
create schema if not exists customers;

create table customers.customers (
    id                     uuid        primary key,
    tenant                 varchar(64)        not null,
    name                   varchar(200)        not null,
    email                  varchar(320)        not null,
    credit_limit_cents     bigint      not null check (credit_limit_cents >= 0),
    available_credit_cents bigint      not null check (available_credit_cents >= 0),
    created_at             timestamptz not null default now(),
    check (available_credit_cents <= credit_limit_cents)
);
create index customers_tenant on customers.customers (tenant, id);

-- One row per order that ever touched credit: the idempotency record of ReserveCredit and
-- ReleaseCredit. RELEASED without a reservation is a tombstone that refuses a late ReserveCredit.
create table customers.credit_reservations (
    tenant        varchar(64)        not null,
    order_id      uuid        not null,
    customer_id   uuid,
    amount_cents  bigint      check (amount_cents >= 0),
    status        varchar(16)        not null check (status in ('RESERVED', 'RELEASED')),
    tombstone     boolean     not null default false,
    execution_id  varchar(256),
    updated_at    timestamptz not null default now(),
    primary key (tenant, order_id)
);
