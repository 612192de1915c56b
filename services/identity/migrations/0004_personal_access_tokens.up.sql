-- Personal access tokens for scripts (ADR 0010). Only the SHA-256 of the token is kept: it is shown
-- once, at creation. A revoked token's row is deleted; it dies with its user.
create table personal_access_tokens (
  id uuid primary key,
  user_id uuid not null references users (id) on delete cascade,
  name text not null check (char_length(name) between 1 and 100),
  scopes text[] not null check (cardinality(scopes) > 0),
  token_hash text not null unique,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  last_used_at timestamptz
);
create index personal_access_tokens_user_idx on personal_access_tokens (user_id, created_at);
