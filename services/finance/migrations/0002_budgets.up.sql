-- Budgets keep only what the user decided. What was spent and what rolled over are computed from
-- the transactions of each period, never stored, so they cannot drift from the ledger.
create table budgets (
  id uuid primary key,
  user_id uuid not null,
  name text not null,
  -- Minor units of the budget's currency; spending is counted in that currency only.
  amount bigint not null check (amount > 0),
  currency char(3) not null,
  period text not null check (period in ('weekly', 'monthly', 'yearly')),
  -- Null budgets all of the user's spending.
  category_id uuid references categories (id),
  -- The period holding this date is the budget's first.
  start_date date not null,
  rollover text not null check (rollover in ('none', 'surplus', 'surplus_and_deficit')),
  -- Bounds the absolute value carried into a period, in both directions.
  rollover_cap bigint check (rollover_cap >= 0),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check (rollover <> 'none' or rollover_cap is null)
);
create index budgets_user_idx on budgets (user_id, created_at, id);
create index budgets_category_idx on budgets (category_id) where category_id is not null;

-- A budget reaching 80% or passing 100% of what a period makes available, recorded once per
-- threshold and period however many transactions cross it (the unique key settles races).
create table budget_threshold_events (
  id uuid primary key,
  user_id uuid not null,
  budget_id uuid not null references budgets (id) on delete cascade,
  period_start date not null,
  threshold smallint not null check (threshold in (80, 100)),
  crossed_at timestamptz not null,
  -- Both in minor units of currency, as they stood when the crossing was detected.
  spent bigint not null,
  available bigint not null,
  currency char(3) not null,
  unique (budget_id, period_start, threshold)
);
create index budget_threshold_events_list_idx on budget_threshold_events (budget_id, crossed_at desc, id desc);
