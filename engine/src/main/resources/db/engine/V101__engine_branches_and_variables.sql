-- Parallel and Map: the end of each branch or iteration of the state running now, so that after a
-- crash only the branches that had not ended run again. Variables: what Assign has set so far.
alter table engine.executions add column branches jsonb;
alter table engine.executions add column variables jsonb;
