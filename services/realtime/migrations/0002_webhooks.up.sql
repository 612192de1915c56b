-- Webhook endpoints a user registered. `scope = 'all'` (admins only, checked by the API) receives
-- every user's events; `own` only the events whose user is the owner.
create table webhook_endpoints (
  id uuid primary key,
  user_id uuid not null,
  scope text not null check (scope in ('own', 'all')),
  url text not null,
  description text,
  events text[] not null check (cardinality(events) > 0),
  -- What the worker signs with: the secret itself, or sealed (AES-256-GCM) under WEBHOOK_SECRET_KEY.
  secret text not null,
  enabled boolean not null default true,
  disabled_reason text,
  disabled_at timestamptz,
  -- Deliveries that ended failed since the last success; past the limit the endpoint is disabled.
  consecutive_failures integer not null default 0,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index webhook_endpoints_user_idx on webhook_endpoints (user_id, id);
create index webhook_endpoints_all_users_idx on webhook_endpoints (id) where scope = 'all' and enabled;

-- One row per event and endpoint (and per resend), with the exact body every attempt sends.
create table webhook_deliveries (
  id uuid primary key,
  endpoint_id uuid not null references webhook_endpoints (id) on delete cascade,
  event_id uuid not null,
  event_type text not null,
  -- The user the event is about, so erasing a user also erases their events from admins' logs.
  event_user_id uuid,
  body text not null,
  status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed', 'cancelled')),
  attempts integer not null default 0,
  last_error text,
  response_status integer,
  -- When the next attempt is due; null once the delivery has ended.
  next_attempt_at timestamptz,
  -- A worker that claimed the row holds it until then; past it, another worker may take it over.
  locked_until timestamptz,
  resend_of uuid references webhook_deliveries (id) on delete set null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  last_attempt_at timestamptz,
  completed_at timestamptz
);
create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_endpoint_idx on webhook_deliveries (endpoint_id, id desc);
create index webhook_deliveries_event_user_idx on webhook_deliveries (event_user_id) where event_user_id is not null;
