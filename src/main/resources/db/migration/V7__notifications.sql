-- notifications tells customers what became of their orders. Each row is a notification as it
-- would be sent (through Amazon SES in AWS); locally the table is the record of what was sent.
create schema if not exists notifications;

create table notifications.notifications (
    id           uuid         primary key,
    tenant       varchar(64)  not null,
    order_id     uuid         not null,
    customer_id  uuid         not null,
    kind         varchar(32)  not null check (kind in ('ORDER_APPROVED', 'ORDER_REJECTED', 'ORDER_CANCELLED')),
    subject      varchar(200) not null,
    body         text         not null,
    message_id   uuid         not null unique,
    created_at   timestamptz  not null
);
create index notifications_order on notifications.notifications (tenant, order_id);

create table notifications.processed_messages (
    consumer     varchar(64) not null,
    message_id   uuid        not null,
    tenant       varchar(64) not null,
    type         varchar(64) not null,
    processed_at timestamptz not null,
    primary key (consumer, message_id)
);
