-- Personal data sealed at rest (README, "Security"): each customer's name and e-mail, and every copy
-- of them (notifications' recipients and the address each notification goes to), are AES-256-GCM
-- under a data key of their own customer and service, which data_keys keeps only wrapped by the
-- master key (KMS in AWS). Deleting a customer's data key (erasure) leaves what it sealed unreadable.
-- Expand first: the clear columns stay, nullable, for rows written before this version, until the
-- background rotation (reseal-*-data) has sealed them and set them null; a later version drops them.

create table customers.data_keys (
    tenant        varchar(64)   not null,
    subject       varchar(64)   not null,
    wrapped_key   bytea         not null,
    master_key_id varchar(2048) not null,
    created_at    timestamptz   not null,
    rewrapped_at  timestamptz,
    primary key (tenant, subject)
);
create index data_keys_by_master on customers.data_keys (master_key_id);

alter table customers.customers
    alter column name drop not null,
    alter column email drop not null,
    add column name_sealed  bytea,
    add column email_sealed bytea,
    -- HMAC-SHA256 of the address (stripped, lower-cased) under the tenant's blind-index key
    add column email_index  bytea,
    add constraint customers_personal_data check ((name is not null or name_sealed is not null)
        and (email is not null or email_sealed is not null));
create index customers_by_email on customers.customers (tenant, email_index) where email_index is not null;
create index customers_in_clear on customers.customers (tenant, id) where name is not null or email is not null;

create table notifications.data_keys (
    tenant        varchar(64)   not null,
    subject       varchar(64)   not null,
    wrapped_key   bytea         not null,
    master_key_id varchar(2048) not null,
    created_at    timestamptz   not null,
    rewrapped_at  timestamptz,
    primary key (tenant, subject)
);
create index data_keys_by_master on notifications.data_keys (master_key_id);

alter table notifications.recipients
    alter column name drop not null,
    alter column email drop not null,
    add column name_sealed  bytea,
    add column email_sealed bytea;

-- the address a notification goes to: the recipient's email_sealed, copied when it is known
alter table notifications.notifications add column recipient_sealed bytea;
