-- The X-Ray trace header an execution is traced under (StartExecution's traceHeader, or the trace
-- it began): DescribeExecution answers it, and an execution resumed after a restart goes on in it.
alter table engine.executions add column trace_header varchar(256);
