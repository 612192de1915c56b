-- A transfer is exactly one transfer_out and one transfer_in sharing transfer_id: linking legs found
-- in bank data (and rules that make transfers) must not give a transfer a third leg, however many
-- requests race. This unique index also serves the lookups by transfer_id the old one did.
create unique index transactions_transfer_leg_idx on transactions (transfer_id, type) where transfer_id is not null;
drop index transactions_transfer_idx;

-- Transfer candidates pair an expense with an income of the same user, currency and amount.
create index transactions_unpaired_idx on transactions (user_id, currency, amount, occurred_at) where type in ('income', 'expense');

-- A rule's action may turn what it matches into a transfer to this account. An account is only
-- ever deleted while it has no transactions; the action then goes with it.
alter table rules add column transfer_account_id uuid references accounts (id) on delete set null;
