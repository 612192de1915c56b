-- An Idempotency-Key belongs to one user AND one operation (creating a transaction, a transfer, a
-- goal contribution, a debt payment, an import): the same key sent to two routes is two keys.
-- Keys written before this were all sent to POST /api/transactions.
alter table idempotency_keys add column scope text not null default 'transactions.create';
alter table idempotency_keys alter column scope drop default;
alter table idempotency_keys drop constraint idempotency_keys_pkey;
alter table idempotency_keys add primary key (user_id, scope, key);
