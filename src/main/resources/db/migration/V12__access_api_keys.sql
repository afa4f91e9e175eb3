-- access: the API keys. A key belongs to one tenant and carries scopes (space-separated, as OAuth
-- writes them); only its SHA-256 is kept (a key is 256 random bits, shown once when it is made), with
-- its first characters for an operator to recognise it. A rotated key stays valid until expires_at
-- (the overlap) and names the key that replaced it; a revoked one is refused from revoked_at on.
create schema if not exists access;

create table access.api_keys (
    id           uuid          primary key,
    tenant       varchar(64)   not null,
    name         varchar(200)  not null,
    scopes       varchar(1000) not null check (scopes <> ''),
    key_hash     bytea         not null unique check (length(key_hash) = 32),
    key_prefix   varchar(16)   not null,
    created_at   timestamptz   not null,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    replaced_by  uuid          references access.api_keys (id)
);
create index api_keys_by_tenant on access.api_keys (tenant, created_at, id);
