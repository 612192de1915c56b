-- Rules that categorise: each user's ordered list. Conditions are a small JSON document read whole
-- with the rule (never queried inside). The category an action sets is a column: deleting that
-- category clears it, as it does for recurring rules.
create table rules (
  id uuid primary key,
  user_id uuid not null,
  name text not null,
  position integer not null check (position >= 1),
  conditions jsonb not null,
  category_id uuid references categories (id) on delete set null,
  merchant text,
  add_tags text[] not null default '{}',
  created_at timestamptz not null,
  updated_at timestamptz not null,
  -- Deferred: moving a rule shifts its neighbours in one statement, unique again by commit.
  constraint rules_user_position_key unique (user_id, position) deferrable initially deferred
);
create index rules_category_idx on rules (category_id) where category_id is not null;
