-- orders owns the order and its lines.
create schema if not exists orders;

create table orders.orders (
    id               uuid        primary key,
    tenant           varchar(64)        not null,
    customer_id      uuid        not null,
    status           varchar(16)        not null check (status in ('PENDING', 'APPROVED', 'REJECTED', 'CANCELLED')),
    rejection_reason varchar(32)        check (rejection_reason in ('UNKNOWN_CUSTOMER', 'UNKNOWN_PRODUCT', 'OUT_OF_STOCK',
                                                              'CREDIT_LIMIT_EXCEEDED', 'PAYMENT_DECLINED', 'PAYMENT_UNAVAILABLE')),
    total_cents      bigint      check (total_cents >= 0),
    execution_id     varchar(256)        not null,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    check ((status = 'REJECTED') = (rejection_reason is not null))
);
create index orders_tenant on orders.orders (tenant, id);

create table orders.order_lines (
    tenant           varchar(64)   not null,
    order_id         uuid   not null references orders.orders (id),
    line_no          int    not null,
    sku              varchar(64)   not null,
    quantity         bigint not null check (quantity > 0),
    unit_price_cents bigint check (unit_price_cents >= 0),
    primary key (order_id, line_no)
);
