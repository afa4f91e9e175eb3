-- The local Step Functions engine's own schema (dev and test profiles only; AWS has Step Functions).
-- An execution row is its cursor: where it stands, what it waits for, and the definition it started
-- with. History rows are its transitions, appended in the same transaction as the cursor moves.
create schema if not exists engine;

create table engine.executions (
    arn               varchar(512) primary key,
    name              varchar(80)  not null,
    state_machine_arn varchar(512) not null,
    machine_name      varchar(80)  not null,
    definition        jsonb        not null,
    input             jsonb        not null,
    status            varchar(16)  not null check (status in ('RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED')),
    output            jsonb,
    error             varchar(256),
    cause             text,
    start_date        timestamptz  not null,
    stop_date         timestamptz,
    state             varchar(128),
    state_input       jsonb,
    state_entered     timestamptz,
    retry_attempts    jsonb        not null default '[]',
    retry_count       int          not null default 0,
    resume_at         timestamptz,
    redrive_count     int          not null default 0,
    redrive_date      timestamptz
);
create index executions_running on engine.executions (resume_at) where status = 'RUNNING';
create index executions_by_machine on engine.executions (state_machine_arn, start_date desc);

create table engine.history (
    execution_arn     varchar(512) not null references engine.executions (arn),
    id                bigint       not null,
    previous_event_id bigint       not null,
    ts                timestamptz  not null,
    type              varchar(64)  not null,
    details_key       varchar(64),
    details           jsonb,
    primary key (execution_arn, id)
);
