delete from idempotency_keys where scope <> 'transactions.create';
alter table idempotency_keys drop constraint idempotency_keys_pkey;
alter table idempotency_keys drop column scope;
alter table idempotency_keys add primary key (user_id, key);
