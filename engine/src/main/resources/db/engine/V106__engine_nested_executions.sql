-- A Task of the run-a-job pattern that starts a nested execution (states:startExecution.sync, .sync:2)
-- waits on its token until that child ends. The link from child to parent is written before the child
-- starts, so that a child that ends after a restart, or in another process, still answers its parent.
create table engine.execution_parents (
    child_arn    varchar(512) primary key,
    parent_token text         not null,
    pattern      varchar(16)  not null check (pattern in ('sync', 'sync:2')),
    linked_at    timestamptz  not null default now()
);
