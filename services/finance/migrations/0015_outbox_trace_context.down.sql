alter table outbox drop column trace_context;
