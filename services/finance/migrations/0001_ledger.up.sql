-- Money is integer minor units of the row's ISO 4217 currency (cents for USD, yen for JPY).

create table accounts (
  id uuid primary key,
  user_id uuid not null,
  name text not null,
  type text not null check (type in ('checking', 'savings', 'credit_card', 'cash', 'loan')),
  currency char(3) not null,
  opening_balance bigint not null default 0,
  is_default boolean not null default false,
  archived_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index accounts_user_idx on accounts (user_id);
-- One default account per user, however many requests race to create it.
create unique index accounts_one_default_idx on accounts (user_id) where is_default;

-- Rows with no user are the default set every user sees; a user's own share the slug space.
create table categories (
  id uuid primary key,
  user_id uuid,
  slug text not null,
  name text not null,
  kind text not null check (kind in ('expense', 'income', 'any')),
  created_at timestamptz not null
);
create unique index categories_slug_idx on categories (coalesce(user_id, '00000000-0000-0000-0000-000000000000'::uuid), slug);

insert into categories (id, user_id, slug, name, kind, created_at)
select gen_random_uuid(), null, slug, name, kind, now()
from (values
  ('groceries', 'Groceries', 'expense'),
  ('dining', 'Dining out', 'expense'),
  ('rent', 'Rent', 'expense'),
  ('mortgage', 'Mortgage', 'expense'),
  ('utilities', 'Utilities', 'expense'),
  ('transport', 'Transport', 'expense'),
  ('fuel', 'Fuel', 'expense'),
  ('health', 'Health', 'expense'),
  ('insurance', 'Insurance', 'expense'),
  ('entertainment', 'Entertainment', 'expense'),
  ('shopping', 'Shopping', 'expense'),
  ('travel', 'Travel', 'expense'),
  ('education', 'Education', 'expense'),
  ('subscriptions', 'Subscriptions', 'expense'),
  ('gifts', 'Gifts and donations', 'expense'),
  ('personal-care', 'Personal care', 'expense'),
  ('home', 'Home', 'expense'),
  ('kids', 'Kids', 'expense'),
  ('pets', 'Pets', 'expense'),
  ('taxes', 'Taxes', 'expense'),
  ('fees', 'Fees and charges', 'expense'),
  ('debt-payments', 'Debt payments', 'expense'),
  ('savings', 'Savings', 'expense'),
  ('other-expense', 'Other expenses', 'expense'),
  ('salary', 'Salary', 'income'),
  ('freelance', 'Freelance', 'income'),
  ('business', 'Business', 'income'),
  ('investments', 'Investments', 'income'),
  ('interest', 'Interest', 'income'),
  ('rental-income', 'Rental income', 'income'),
  ('refunds', 'Refunds', 'income'),
  ('gifts-received', 'Gifts received', 'income'),
  ('other-income', 'Other income', 'income')
) as defaults (slug, name, kind);

create table transactions (
  id uuid primary key,
  user_id uuid not null,
  account_id uuid not null references accounts (id),
  -- Transfers are two rows sharing transfer_id: one out of an account, one into another.
  type text not null check (type in ('income', 'expense', 'transfer_in', 'transfer_out')),
  amount bigint not null check (amount > 0),
  currency char(3) not null,
  category_id uuid references categories (id),
  description text,
  merchant text,
  occurred_at timestamptz not null,
  tags text[] not null default '{}',
  transfer_id uuid,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
-- The list: a user's newest first, paged by (occurred_at, id).
create index transactions_user_time_idx on transactions (user_id, occurred_at desc, id desc);
create index transactions_account_idx on transactions (account_id);
create index transactions_transfer_idx on transactions (transfer_id) where transfer_id is not null;

create table idempotency_keys (
  user_id uuid not null,
  key text not null,
  request_hash text not null,
  -- pending while the first request runs; its answer once it finished.
  response_status integer,
  response_body jsonb,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  primary key (user_id, key)
);
create index idempotency_keys_expiry_idx on idempotency_keys (expires_at);
