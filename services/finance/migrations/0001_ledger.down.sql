drop table idempotency_keys;
drop table transactions;
drop table categories;
drop table accounts;
