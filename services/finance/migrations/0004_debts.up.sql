-- Loans and credit cards. The balance owed is the opening balance less the principal part of the
-- payments, computed from them; the annual rate is a percent kept exactly.
create table debts (
  id uuid primary key,
  user_id uuid not null,
  name text not null,
  kind text not null check (kind in ('loan', 'credit_card')),
  currency char(3) not null,
  opening_balance bigint not null check (opening_balance >= 0),
  -- The day opening_balance was owed: interest accrues from here until the first payment.
  start_date date not null,
  annual_rate numeric(7, 4) not null check (annual_rate >= 0),
  minimum_payment bigint not null check (minimum_payment > 0),
  due_day smallint not null check (due_day between 1 and 31),
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index debts_user_idx on debts (user_id, created_at desc, id desc);

-- Each payment pays the interest accrued since the previous one first; principal is the rest
-- (negative when the payment did not cover the interest, which then joins the balance).
create table debt_payments (
  id uuid primary key,
  debt_id uuid not null references debts (id) on delete cascade,
  user_id uuid not null,
  amount bigint not null check (amount > 0),
  interest bigint not null check (interest >= 0),
  principal bigint not null,
  paid_at date not null,
  created_at timestamptz not null,
  check (amount = interest + principal)
);
create index debt_payments_debt_idx on debt_payments (debt_id, paid_at, id);
