-- A Task of the run-a-job pattern that starts a nested execution (states:startExecution.sync, .sync:2)
-- waits on its token until that child ends. The link from child to parent is written before the child
-- starts, so that a child that ends after a restart, or in another process, still answers its parent.
-- A child may have several parents (Tasks that started an execution of the same name and input while
-- it ran, as StartExecution allows). ended_seen_at: when an engine's sweep first saw the child ended;
-- the sweep tells a parent only a lease after that, the process that ended the child telling it first.
create table engine.execution_parents (
    child_arn     varchar(512) not null,
    parent_token  text         not null,
    pattern       varchar(16)  not null check (pattern in ('sync', 'sync:2')),
    linked_at     timestamptz  not null default now(),
    ended_seen_at timestamptz,
    primary key (child_arn, parent_token)
);
