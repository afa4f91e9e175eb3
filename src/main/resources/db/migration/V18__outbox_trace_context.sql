-- The trace a message belongs to (W3C traceparent of the span that wrote it), so that its send,
-- right after the commit or by the sweeper after a crash, and its consumers are in that trace.
alter table orders.outbox add column traceparent varchar(55);
alter table customers.outbox add column traceparent varchar(55);
alter table campaigns.outbox add column traceparent varchar(55);
