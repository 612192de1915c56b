create table users (
  id uuid primary key,
  -- Stored trimmed and lower-cased: one person, one account, however they type it.
  email text not null unique,
  name text,
  -- Null for an account that signs in only by emailed code (e.g. the configured admin).
  password_hash text,
  role text not null default 'user' check (role in ('user', 'admin')),
  email_verified_at timestamptz,
  locked_at timestamptz,
  locked_reason text,
  password_changed_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

-- A session is one refresh-token family: revoking it ends every token the family ever issued.
create table sessions (
  id uuid primary key,
  user_id uuid not null references users (id) on delete cascade,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  last_used_at timestamptz not null,
  revoked_at timestamptz,
  revoked_reason text,
  ip text,
  user_agent text
);
create index sessions_user_active_idx on sessions (user_id) where revoked_at is null;

create table refresh_tokens (
  token_hash text primary key,
  session_id uuid not null references sessions (id) on delete cascade,
  created_at timestamptz not null,
  spent_at timestamptz
);
create index refresh_tokens_session_idx on refresh_tokens (session_id);

-- Access tokens denied before their expiry, by `jti:<id>` or by session `sid:<id>`.
create table revoked_tokens (
  key text primary key,
  expires_at timestamptz not null
);
create index revoked_tokens_expiry_idx on revoked_tokens (expires_at);

create table otp_challenges (
  id uuid primary key,
  user_id uuid not null references users (id) on delete cascade,
  purpose text not null check (purpose in ('login', 'password_reset')),
  code_hash text not null,
  attempts integer not null default 0,
  expires_at timestamptz not null,
  consumed_at timestamptz,
  created_at timestamptz not null
);
create index otp_challenges_open_idx on otp_challenges (user_id, purpose) where consumed_at is null;

create table attempt_limits (
  key text primary key,
  hits timestamptz[] not null,
  locked_until timestamptz,
  expires_at timestamptz not null
);
create index attempt_limits_expiry_idx on attempt_limits (expires_at);

create table security_events (
  id uuid primary key,
  user_id uuid references users (id) on delete cascade,
  type text not null,
  severity text not null check (severity in ('info', 'warning', 'critical')),
  ip text,
  user_agent text,
  details jsonb not null default '{}',
  created_at timestamptz not null
);
create index security_events_user_idx on security_events (user_id, created_at desc);
