-- State machines a user creates (CreateStateMachine), beside the catalog's, which are loaded from
-- the catalog at each start and are not in these tables. A machine's row is its current revision;
-- a version is a revision kept as it was when published; an alias routes executions to one or two
-- versions. Executions carry their own definition (engine.executions.definition), so that updating
-- or deleting a machine changes nothing for those already running.
create table engine.state_machines (
    arn                    varchar(256) primary key,
    name                   varchar(80)  not null,
    type                   varchar(8)   not null check (type in ('STANDARD', 'EXPRESS')),
    definition             text         not null,
    role_arn               varchar(256) not null,
    logging_configuration  jsonb,
    tracing_configuration  jsonb,
    -- null until the first change (AWS answers no revisionId for a machine never updated)
    revision_id            varchar(64),
    creation_date          timestamptz  not null,
    update_date            timestamptz,
    -- the number the next published version gets: numbers are never reused, even after a version is deleted
    next_version           int          not null default 1
);

create table engine.state_machine_versions (
    arn                    varchar(256) primary key,
    state_machine_arn      varchar(256) not null references engine.state_machines (arn) on delete cascade,
    version                int          not null,
    definition             text         not null,
    role_arn               varchar(256) not null,
    logging_configuration  jsonb,
    tracing_configuration  jsonb,
    revision_id            varchar(64),
    description            varchar(256),
    creation_date          timestamptz  not null,
    unique (state_machine_arn, version)
);

create table engine.state_machine_aliases (
    arn                    varchar(256) primary key,
    state_machine_arn      varchar(256) not null references engine.state_machines (arn) on delete cascade,
    name                   varchar(80)  not null,
    description            varchar(256),
    -- [{"stateMachineVersionArn": ..., "weight": ...}], one or two versions whose weights add up to 100
    routing                jsonb        not null,
    creation_date          timestamptz  not null,
    update_date            timestamptz
);

-- Tags of state machines (and later activities): removed with their resource.
create table engine.tags (
    resource_arn           varchar(256) not null,
    key                    varchar(128) not null,
    value                  varchar(256) not null,
    primary key (resource_arn, key)
);

-- Which version and alias an execution was started on (StartExecution on a qualified ARN), for
-- DescribeExecution and ListExecutions, and the mock test case it runs (<arn>#<TestCase>), so that
-- it stays mocked when another process goes on with it; an execution started on the machine itself
-- has no row.
create table engine.execution_origins (
    execution_arn          varchar(512) primary key,
    version_arn            varchar(256),
    alias_arn              varchar(256),
    test_case              varchar(256)
);
create index execution_origins_version on engine.execution_origins (version_arn);
create index execution_origins_alias on engine.execution_origins (alias_arn);
