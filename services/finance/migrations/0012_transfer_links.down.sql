alter table rules drop column transfer_account_id;
drop index transactions_unpaired_idx;
create index transactions_transfer_idx on transactions (transfer_id) where transfer_id is not null;
drop index transactions_transfer_leg_idx;
