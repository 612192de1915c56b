-- A CSV mapping saved for an account, used by an import into it that comes without one. Its own
-- table, so account reads never carry it; it goes with its account.
create table import_mappings (
  account_id uuid primary key references accounts (id) on delete cascade,
  user_id uuid not null,
  mapping jsonb not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index import_mappings_user_idx on import_mappings (user_id);
