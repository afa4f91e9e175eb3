-- Activities (CreateActivity): a Task whose Resource is an activity's ARN waits on its token; the task
-- (its token and input) waits here for a worker's GetActivityTask, which takes it once. A task
-- outlives the process that scheduled it, as its token does; it goes when it is answered, or once
-- its execution is no longer RUNNING.
create table engine.activities (
    arn           varchar(256) primary key,
    name          varchar(80)  not null,
    creation_date timestamptz  not null
);

create table engine.activity_tasks (
    task_token   text         primary key,
    activity_arn varchar(256) not null,
    execution_arn varchar(512) not null,
    input        text         not null,
    scheduled_at timestamptz  not null default clock_timestamp(),
    worker_name  varchar(80),
    taken_at     timestamptz
);
create index activity_tasks_waiting on engine.activity_tasks (activity_arn, scheduled_at) where taken_at is null;
