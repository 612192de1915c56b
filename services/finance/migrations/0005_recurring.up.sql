-- A recurring rule is a template transaction plus a schedule. Occurrence N is computed from
-- start_date (never from the previous occurrence), so a rule on the 31st comes back to the 31st
-- after a shorter month. Occurrence dates are UTC calendar dates.
create table recurring_rules (
  id uuid primary key,
  user_id uuid not null,
  -- Only an account without transactions can be deleted; the rules that would post to it go with it.
  account_id uuid not null references accounts (id) on delete cascade,
  type text not null check (type in ('income', 'expense')),
  amount bigint not null check (amount > 0),
  currency char(3) not null,
  category_id uuid references categories (id) on delete set null,
  description text,
  merchant text,
  tags text[] not null default '{}',
  frequency text not null check (frequency in ('daily', 'weekly', 'monthly', 'yearly')),
  frequency_interval integer not null default 1 check (frequency_interval between 1 and 1000),
  start_date date not null,
  end_date date check (end_date >= start_date),
  occurrence_count integer check (occurrence_count > 0),
  paused boolean not null default false,
  -- The scheduler's cursor: the index of the next occurrence that will post and its date (null once
  -- the schedule is over). It moves in the same database transaction as each posting, so an
  -- occurrence whose transaction the user deleted is not posted again.
  next_index integer not null default 0,
  next_date date,
  -- Why the last attempt to post failed (an archived account, say); cleared by the next success.
  last_error text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index recurring_rules_user_idx on recurring_rules (user_id, created_at desc, id desc);
create index recurring_rules_due_idx on recurring_rules (next_date) where not paused and next_date is not null;

-- The stretches a rule was paused. Occurrences dated strictly between paused_on and resumed_on are
-- never posted; those the scheduler still owed from before the pause are.
create table recurring_pauses (
  id uuid primary key,
  rule_id uuid not null references recurring_rules (id) on delete cascade,
  paused_on date not null,
  resumed_on date,
  check (resumed_on is null or resumed_on >= paused_on)
);
create index recurring_pauses_rule_idx on recurring_pauses (rule_id);
create unique index recurring_pauses_open_idx on recurring_pauses (rule_id) where resumed_on is null;

-- Deleting a rule keeps the transactions it posted.
alter table transactions
  add column recurring_rule_id uuid references recurring_rules (id) on delete set null,
  add column occurrence_date date;
-- Each occurrence posts once, however many scheduler instances race for it. Partial, so ordinary
-- transactions do not pay for the index.
create unique index transactions_occurrence_idx on transactions (recurring_rule_id, occurrence_date) where recurring_rule_id is not null;
