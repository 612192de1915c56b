-- Fraud scoring (ADR 0021, docs/fraud-scoring.md). Every transaction keeps the score it was given
-- when written, the reasons in words, where the request came from, and the owner's verdict.
alter table transactions
  add column risk_score smallint not null default 0 check (risk_score between 0 and 100),
  add column risk_level text not null default 'normal' check (risk_level in ('normal', 'elevated', 'high')),
  add column risk_reasons jsonb not null default '[]',
  add column risk_flagged boolean not null default false,
  add column location_country text,
  add column location_city text,
  add column review_decision text check (review_decision in ('legitimate', 'fraud')),
  add column review_note text,
  add column reviewed_at timestamptz,
  add constraint transactions_review_check check ((review_decision is null) = (reviewed_at is null));

-- The flagged list, newest first: only flagged rows are in it, so it stays small.
create index transactions_flagged_idx on transactions (user_id, occurred_at desc, id desc) where risk_flagged;

-- What a user's ordinary spending looks like, kept up to date on write so scoring reads a few
-- rows, never the history. A model's baseline, not a ledger total: a deleted transaction stays
-- known, as a merchant once paid stays known. Flagged transactions join only once reviewed as
-- legitimate; those marked fraud never do.

-- Per currency and scope ('all' expenses, or 'category:<id>' / 'category:none'): how many
-- amounts were seen and the latest ones (at most 64, oldest first) for a median and a MAD.
create table risk_amounts (
  user_id uuid not null,
  currency text not null,
  scope text not null,
  seen integer not null,
  recent bigint[] not null,
  primary key (user_id, currency, scope)
);

-- Merchants the user has paid, by lower-cased name, with the latest amounts paid there (at most 16):
-- fuel is not compared with bus tickets because both are Transport.
create table risk_merchants (
  user_id uuid not null,
  merchant text not null,
  seen integer not null,
  recent bigint[] not null,
  primary key (user_id, merchant)
);

-- Places the user's transactions came from (city '' when the data names none).
create table risk_locations (
  user_id uuid not null,
  country text not null,
  city text not null,
  seen integer not null,
  primary key (user_id, country, city)
);

-- One row per user: expenses seen, since when, how many carried a location, and how many fell in
-- each hour of the user's day (24 counters).
create table risk_profiles (
  user_id uuid primary key,
  expenses integer not null,
  located integer not null,
  first_at timestamptz not null,
  hours integer[] not null check (cardinality(hours) = 24)
);
