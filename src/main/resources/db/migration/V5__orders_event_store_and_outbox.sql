-- The order aggregate is its stream of events: append-only, one row per event, numbered from 1 per
-- order. The primary key is the optimistic concurrency check: an append names the version it
-- expects to follow, and a second writer expecting the same version finds the row taken.
create table orders.order_events (
    tenant       varchar(64)  not null,
    order_id     uuid         not null,
    version      int          not null check (version >= 1),
    id           uuid         not null unique,
    type         varchar(64)  not null,
    occurred_at  timestamptz  not null,
    causation_id varchar(256),
    data         jsonb        not null,
    primary key (order_id, version)
);
create index order_events_tenant on orders.order_events (tenant, order_id, version);

-- orders.orders and orders.order_lines are now the read model: a projection of the streams.
alter table orders.orders add column version int not null default 0;
alter table orders.orders add column cancellation_execution_id varchar(256);

-- What orders announces, written in the transaction of the change; sent after the commit, or by the sweeper.
create table orders.outbox (
    id           uuid         primary key,
    tenant       varchar(64)  not null,
    type         varchar(64)  not null,
    occurred_at  timestamptz  not null,
    body         text         not null,
    published_at timestamptz
);
create index outbox_unpublished on orders.outbox (occurred_at) where published_at is null;

-- Orders stored before the event store: each gets the stream it would have had.
insert into orders.order_events (tenant, order_id, version, id, type, occurred_at, causation_id, data)
select o.tenant, o.id, 1, gen_random_uuid(), 'OrderPlaced', o.created_at, o.execution_id,
       jsonb_build_object('customerId', o.customer_id, 'executionId', o.execution_id,
                          'items', (select jsonb_agg(jsonb_build_object('sku', l.sku, 'quantity', l.quantity) order by l.line_no)
                                    from orders.order_lines l where l.order_id = o.id))
from orders.orders o;
insert into orders.order_events (tenant, order_id, version, id, type, occurred_at, causation_id, data)
select o.tenant, o.id, 2, gen_random_uuid(), case o.status when 'APPROVED' then 'OrderApproved' else 'OrderRejected' end,
       o.updated_at, o.execution_id,
       jsonb_build_object('customerId', o.customer_id, 'totalCents', o.total_cents, 'reason', o.rejection_reason,
                          'lines', (select jsonb_agg(jsonb_build_object('sku', l.sku, 'quantity', l.quantity,
                                                                        'unitPriceCents', l.unit_price_cents) order by l.line_no)
                                    from orders.order_lines l where l.order_id = o.id))
from orders.orders o where o.status in ('APPROVED', 'REJECTED');
update orders.orders o set version = (select max(version) from orders.order_events e where e.order_id = o.id)
where exists (select 1 from orders.order_events e where e.order_id = o.id);
