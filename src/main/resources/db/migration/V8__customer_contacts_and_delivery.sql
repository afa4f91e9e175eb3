-- customers announces new customers (CustomerRegistered) through its own outbox.
create table customers.outbox (
    id           uuid         primary key,
    tenant       varchar(64)  not null,
    type         varchar(64)  not null,
    occurred_at  timestamptz  not null,
    body         text         not null,
    published_at timestamptz
);
create index outbox_unpublished on customers.outbox (occurred_at) where published_at is null;

-- notifications keeps whom to write to, from CustomerRegistered.
create table notifications.recipients (
    tenant       varchar(64)  not null,
    customer_id  uuid         not null,
    name         varchar(200) not null,
    email        varchar(320) not null,
    updated_at   timestamptz  not null,
    primary key (tenant, customer_id)
);

-- A notification is recorded PENDING, claimed (SENDING) by one sender, then SENT through Amazon
-- SES (or RECORDED where nothing is sent: locally). It waits PENDING while its recipient is unknown.
alter table notifications.notifications add column recipient varchar(320);
alter table notifications.notifications add column status varchar(16) not null default 'PENDING'
    check (status in ('PENDING', 'SENDING', 'SENT', 'RECORDED'));
alter table notifications.notifications add column claimed_at timestamptz;
alter table notifications.notifications add column sent_at timestamptz;
alter table notifications.notifications add column provider_message_id varchar(256);
create index notifications_pending on notifications.notifications (created_at) where status in ('PENDING', 'SENDING');
