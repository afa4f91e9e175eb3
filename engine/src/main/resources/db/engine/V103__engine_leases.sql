-- Several engine processes on one database: each RUNNING execution is leased by one of them
-- (owner), until lease_until, which its owner extends while it lives. An execution whose lease ran
-- out is taken over by another process, which increments lease: a commit carries the lease it ran
-- under, and one of an older lease (the process thought dead, come back) is refused.
alter table engine.executions add column owner varchar(64);
alter table engine.executions add column lease bigint not null default 0;
alter table engine.executions add column lease_until timestamptz;
create index executions_leases on engine.executions (lease_until) where status = 'RUNNING';
create index executions_owned on engine.executions (owner) where status = 'RUNNING';
