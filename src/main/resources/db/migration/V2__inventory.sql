-- inventory owns products, their stock and the reservations held against it.
create schema if not exists inventory;

create table inventory.products (
    tenant           varchar(64)        not null,
    sku              varchar(64)        not null,
    name             varchar(200)        not null,
    unit_price_cents bigint      not null check (unit_price_cents >= 0),
    stock            bigint      not null check (stock >= 0),
    reserved         bigint      not null default 0 check (reserved >= 0),
    created_at       timestamptz not null default now(),
    primary key (tenant, sku),
    check (reserved <= stock)
);

-- The idempotency record of ReserveStock and ReleaseStock, one per order.
create table inventory.stock_reservations (
    tenant        varchar(64)        not null,
    order_id      uuid        not null,
    status        varchar(16)        not null check (status in ('RESERVED', 'RELEASED')),
    tombstone     boolean     not null default false,
    total_cents   bigint,
    execution_id  varchar(256),
    updated_at    timestamptz not null default now(),
    primary key (tenant, order_id)
);

create table inventory.stock_reservation_lines (
    tenant           varchar(64)   not null,
    order_id         uuid   not null,
    line_no          int    not null,
    sku              varchar(64)   not null,
    quantity         bigint not null check (quantity > 0),
    unit_price_cents bigint not null check (unit_price_cents >= 0),
    primary key (tenant, order_id, line_no),
    foreign key (tenant, order_id) references inventory.stock_reservations (tenant, order_id)
);
