-- Issue 13: what each sign-in looked like, the devices and places a user is known from, alerts a
-- user can read and acknowledge, per-user alert settings, risk-based step-up, and TOTP.

-- The existing event log gains where and from what an event came, and what looked wrong.
alter table security_events
  add column country text,
  add column city text,
  add column device jsonb,
  add column reasons text[] not null default '{}';
-- Admins list everything newest first.
create index security_events_created_idx on security_events (created_at desc, id desc);

-- A device is the parsed user agent's fingerprint (never the raw string) per user; forgetting one
-- deletes its row, so it counts as new next time.
create table known_devices (
  id uuid primary key,
  user_id uuid not null references users (id) on delete cascade,
  fingerprint text not null,
  browser text,
  os text,
  type text,
  first_seen_at timestamptz not null,
  last_seen_at timestamptz not null,
  unique (user_id, fingerprint)
);

-- Every sign-in attempt of a known account (password, emailed code, step-up, refresh), with its risk.
-- Known places are the distinct countries and cities of its successful rows.
create table sign_ins (
  id uuid primary key,
  user_id uuid not null references users (id) on delete cascade,
  method text not null check (method in ('registration', 'password', 'otp', 'step_up', 'refresh')),
  outcome text not null check (outcome in ('success', 'failure', 'step_up_required')),
  ip text,
  country text,
  city text,
  latitude double precision,
  longitude double precision,
  fingerprint text not null,
  device_id uuid references known_devices (id) on delete set null,
  session_id uuid references sessions (id) on delete set null,
  risk_score integer not null check (risk_score between 0 and 100),
  reasons text[] not null default '{}',
  created_at timestamptz not null
);
create index sign_ins_user_time_idx on sign_ins (user_id, created_at desc, id desc);
create index sign_ins_user_place_idx on sign_ins (user_id, country, city) where outcome = 'success';

create table security_alerts (
  id uuid primary key,
  user_id uuid not null references users (id) on delete cascade,
  type text not null,
  severity text not null check (severity in ('info', 'warning', 'critical')),
  message text not null,
  ip text,
  reasons text[] not null default '{}',
  created_at timestamptz not null,
  acknowledged_at timestamptz
);
create index security_alerts_user_idx on security_alerts (user_id, created_at desc, id desc);
create index security_alerts_open_idx on security_alerts (user_id) where acknowledged_at is null;

-- No row: the defaults (docs/security-monitoring.md).
create table security_settings (
  user_id uuid primary key references users (id) on delete cascade,
  step_up text not null check (step_up in ('risky', 'always')),
  alert_threshold integer not null check (alert_threshold between 0 and 100),
  alert_signals text[] not null,
  channels text[] not null,
  updated_at timestamptz not null
);

-- A sign-in held for a second step; its id is what the client sends back.
create table step_up_challenges (
  id uuid primary key,
  user_id uuid not null references users (id) on delete cascade,
  -- How the first step was proven: a password, or (with an authenticator on) an emailed code.
  first_step text not null check (first_step in ('password', 'otp')),
  methods text[] not null,
  attempts integer not null default 0,
  ip text not null,
  user_agent text,
  risk_score integer not null,
  reasons text[] not null default '{}',
  expires_at timestamptz not null,
  consumed_at timestamptz,
  created_at timestamptz not null
);
create index step_up_challenges_expiry_idx on step_up_challenges (expires_at);

-- The emailed step-up code is an OTP of its own purpose (never usable at /api/auth/otp/verify).
alter table otp_challenges drop constraint otp_challenges_purpose_check;
alter table otp_challenges add constraint otp_challenges_purpose_check check (purpose in ('login', 'password_reset', 'account_deletion', 'step_up'));

-- The secret is sealed (AES-256-GCM); last_step refuses a code replayed in its 30-second step.
create table totp_factors (
  user_id uuid primary key references users (id) on delete cascade,
  secret_sealed text not null,
  enabled_at timestamptz,
  last_step bigint,
  created_at timestamptz not null
);

create table totp_backup_codes (
  id uuid primary key,
  user_id uuid not null references users (id) on delete cascade,
  code_hash text not null,
  used_at timestamptz,
  created_at timestamptz not null
);
create index totp_backup_codes_user_idx on totp_backup_codes (user_id) where used_at is null;
