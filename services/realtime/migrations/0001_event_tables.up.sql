create table outbox (
  id uuid primary key,
  type text not null,
  version integer not null,
  user_id uuid,
  occurred_at timestamptz not null,
  payload jsonb not null,
  published_at timestamptz,
  attempts integer not null default 0,
  last_error text,
  available_at timestamptz not null default now(),
  locked_until timestamptz
);
-- The relay's scan: pending rows in id (UUID v7, so publication) order.
create index outbox_pending_idx on outbox (id) where published_at is null;
create index outbox_published_at_idx on outbox (published_at) where published_at is not null;

create table inbox (
  consumer text not null,
  event_id uuid not null,
  event_type text not null,
  status text not null default 'processed' check (status in ('processed', 'dead_lettered')),
  processed_at timestamptz not null default now(),
  error text,
  envelope jsonb,
  primary key (consumer, event_id)
);
create index inbox_processed_at_idx on inbox (processed_at);
