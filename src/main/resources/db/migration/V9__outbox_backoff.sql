-- A message the sweeper cannot send now (its queue gone, access denied, Step Functions refusing)
-- is tried again later and later, and does not hold up the messages behind it.
alter table orders.outbox add column attempts int not null default 0;
alter table orders.outbox add column next_attempt_at timestamptz;
alter table customers.outbox add column attempts int not null default 0;
alter table customers.outbox add column next_attempt_at timestamptz;
