-- The publisher's W3C Trace Context, so the relay and the consumers continue its trace (ADR 0023).
alter table outbox add column trace_context jsonb;
