-- invoices issues an invoice for every approved order, numbered per tenant with no gap.
create schema if not exists invoices;

-- The last number given per tenant. Taking the next one locks the tenant's row until the invoice
-- commits, so numbers are handed out in commit order, and a rolled-back invoice gives its number back.
create table invoices.invoice_counters (
    tenant      varchar(64) primary key,
    last_number bigint      not null check (last_number >= 0)
);

create table invoices.invoices (
    tenant       varchar(64) not null,
    number       bigint      not null check (number >= 1),
    order_id     uuid        not null,
    customer_id  uuid        not null,
    total_cents  bigint      not null check (total_cents >= 0),
    lines        jsonb       not null,
    issued_at    timestamptz not null,
    message_id   uuid        not null,
    primary key (tenant, number),
    unique (tenant, order_id)
);

-- The idempotency record of every consumer of invoices: a message id is processed once.
create table invoices.processed_messages (
    consumer     varchar(64) not null,
    message_id   uuid        not null,
    tenant       varchar(64) not null,
    type         varchar(64) not null,
    processed_at timestamptz not null,
    primary key (consumer, message_id)
);
