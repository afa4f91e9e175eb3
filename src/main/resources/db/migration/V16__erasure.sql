-- Erasure (DELETE /customers/{id}, README "Security"): the customer's row stays, with its credit and
-- without any personal data, so that orders, invoices and credit stay consistent and countable;
-- erased_at says it is gone for the API. The notifications service keeps a tombstone of the
-- recipient, so that a registration delivered after the erasure records nothing, and marks what it
-- had not yet sent ERASED.
alter table customers.customers
    add column erased_at timestamptz,
    drop constraint customers_personal_data,
    add constraint customers_personal_data check (erased_at is not null
        or ((name is not null or name_sealed is not null) and (email is not null or email_sealed is not null)));

alter table notifications.recipients add column erased_at timestamptz;

alter table notifications.notifications
    drop constraint notifications_status_check,
    add constraint notifications_status_check check (status in ('PENDING', 'SENDING', 'SENT', 'RECORDED', 'ERASED'));
