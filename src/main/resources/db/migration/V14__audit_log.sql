-- audit: who read or changed personal data, and every API key operation (README, "Security").
-- Append-only: no role is granted update, delete or truncate (DatabasePreparation), and a trigger
-- refuses them even for the table's owner. Tamper-evident: each tenant's entries form a chain, each
-- entry's hash covering its fields and the hash before it, so that a changed or removed entry
-- breaks the chain (verify-audit-log). The chain is computed here, by the database, as the entry is
-- inserted in the transaction of the change it records: a caller cannot choose its position, its
-- time or its hashes.
create schema if not exists audit;

create table audit.entries (
    id          bigint       generated always as identity primary key,
    tenant      varchar(64)  not null,
    chain_seq   bigint       not null check (chain_seq >= 1),
    occurred_at timestamptz  not null,
    -- api-key (key_id the key's id), operator (an operator's command: key_id null) or system
    actor       varchar(16)  not null check (actor in ('api-key', 'operator', 'system')),
    key_id      varchar(64),
    operation   varchar(64)  not null,
    resource    varchar(256) not null,
    outcome     varchar(16)  not null check (outcome in ('SUCCEEDED', 'NOT_FOUND', 'DENIED', 'FAILED')),
    request_id  varchar(128),
    prev_hash   bytea        not null check (length(prev_hash) = 32),
    hash        bytea        not null check (length(hash) = 32),
    unique (tenant, chain_seq)
);
create index entries_by_tenant on audit.entries (tenant, id);
create index entries_by_resource on audit.entries (tenant, resource, id);
create index entries_by_key on audit.entries (tenant, key_id, id);
create index entries_by_time on audit.entries (tenant, occurred_at, id);

-- The end of each tenant's chain. No role but the owner may touch it: the insert trigger, which runs
-- as its owner, moves it.
create table audit.chain_heads (
    tenant    varchar(64) primary key,
    last_seq  bigint      not null,
    last_hash bytea       not null check (length(last_hash) = 32)
);

-- A field of the hashed text: its length in UTF-8 bytes, ':', the value and ';'; '-;' for null. So
-- no two different entries hash the same text, whatever their fields contain. verify-audit-log
-- (AuditChain) writes exactly the same.
create function audit.field(value text) returns text
    language sql immutable
    set search_path = pg_catalog
    as $$ select coalesce(octet_length(value)::text || ':' || value, '-') || ';' $$;

create function audit.chain_entry() returns trigger
    language plpgsql security definer
    set search_path = pg_catalog, audit
    as $$
declare
    head audit.chain_heads%rowtype;
begin
    select * into head from audit.chain_heads where tenant = new.tenant for update;
    if not found then
        insert into audit.chain_heads (tenant, last_seq, last_hash)
        values (new.tenant, 0, decode(repeat('00', 32), 'hex')) on conflict (tenant) do nothing;
        select * into head from audit.chain_heads where tenant = new.tenant for update;
    end if;
    new.chain_seq := head.last_seq + 1;
    new.prev_hash := head.last_hash;
    -- read under the head's lock: times follow the chain's order
    new.occurred_at := date_trunc('microseconds', clock_timestamp());
    new.hash := sha256(new.prev_hash || convert_to('sagaline-audit-v1;'
        || audit.field(new.tenant) || audit.field(new.chain_seq::text)
        || audit.field(to_char(new.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
        || audit.field(new.actor) || audit.field(new.key_id) || audit.field(new.operation)
        || audit.field(new.resource) || audit.field(new.outcome) || audit.field(new.request_id), 'UTF8'));
    update audit.chain_heads set last_seq = new.chain_seq, last_hash = new.hash where tenant = new.tenant;
    return new;
end $$;

create trigger entries_chained before insert on audit.entries
    for each row execute function audit.chain_entry();

create function audit.refuse_change() returns trigger
    language plpgsql
    set search_path = pg_catalog
    as $$
begin
    raise exception 'audit.entries is append-only: % refused', tg_op using errcode = '42501';
end $$;

create trigger entries_append_only before update or delete on audit.entries
    for each row execute function audit.refuse_change();
create trigger entries_never_truncated before truncate on audit.entries
    for each statement execute function audit.refuse_change();

revoke all on function audit.chain_entry() from public;
