-- A Task of the callback pattern (.waitForTaskToken) waits on its token: the token, its deadlines
-- (TimeoutSeconds, HeartbeatSeconds) and, once SendTaskSuccess or SendTaskFailure came, the answer,
-- committed before the execution goes on with it, so that a token outlives the process that gave it.
-- A branch's is in its entry in branches.
alter table engine.executions add column callback jsonb;
