-- Savings goals. What is saved is always the sum of the goal's contributions, never a stored counter.
create table goals (
  id uuid primary key,
  user_id uuid not null,
  name text not null,
  target_amount bigint not null check (target_amount > 0),
  currency char(3) not null,
  deadline date,
  -- Set once, the first time the contributions reach the target; a later withdrawal keeps it.
  completed_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index goals_user_idx on goals (user_id, created_at desc, id desc);

-- Positive adds to the goal, negative withdraws from it.
create table goal_contributions (
  id uuid primary key,
  goal_id uuid not null references goals (id) on delete cascade,
  user_id uuid not null,
  amount bigint not null check (amount <> 0),
  note text,
  occurred_at timestamptz not null,
  created_at timestamptz not null
);
create index goal_contributions_goal_idx on goal_contributions (goal_id, occurred_at desc, id desc);

-- Progress and completion, kept for a later issue to deliver live.
create table goal_events (
  id uuid primary key,
  user_id uuid not null,
  goal_id uuid not null references goals (id) on delete cascade,
  type text not null check (type in ('progressed', 'completed')),
  saved bigint not null,
  -- Wide enough for any bigint saved over a 1-unit target.
  percent numeric(24, 2) not null,
  occurred_at timestamptz not null
);
create index goal_events_user_idx on goal_events (user_id, occurred_at, id);
-- A goal completes once, whatever races to complete it.
create unique index goal_events_completed_once_idx on goal_events (goal_id) where type = 'completed';
