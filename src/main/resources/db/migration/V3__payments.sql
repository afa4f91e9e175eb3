-- payments owns authorisations against the external gateway.
create schema if not exists payments;

-- AUTHORIZING: the gateway was (or is being) asked; its answer is not recorded yet.
-- VOIDED with void_pending: the void must still be confirmed by the gateway; void_token names the
-- attempt that set it, so that only that attempt's confirmation clears it.
create table payments.authorizations (
    tenant                   varchar(64)        not null,
    order_id                 uuid        not null,
    amount_cents             bigint      check (amount_cents >= 0),
    status                   varchar(16)        not null check (status in ('AUTHORIZING', 'AUTHORIZED', 'DECLINED', 'VOIDED')),
    tombstone                boolean     not null default false,
    void_pending             boolean     not null default false,
    void_token               varchar(36),
    gateway_authorization_id varchar(128),
    execution_id             varchar(256),
    updated_at               timestamptz not null default now(),
    primary key (tenant, order_id)
);
