-- The one-statement create (services/finance/src/transactions/one-statement.ts) with pgbench variables,
-- to measure what the database alone can do with it:
--   pgbench -h 127.0.0.1 -U postgres -n -c 10 -j 2 -T 8 -M prepared -f bench/sql/one-statement-create.sql expensio_bench
\set n random(2, 1001)
with account as (select a.id from finance.accounts a join bench.users u on u.user_id = a.user_id where u.n = :n and a.archived_at is null and a.currency = 'USD' and a.is_default),
claim as (insert into finance.idempotency_keys as k (user_id, key, request_hash, response_status, response_body, created_at, expires_at)
  select (select user_id from bench.users where n = :n), gen_random_uuid()::text, 'h', 201, '{"id":"x","type":"expense","amount":"12.34","currency":"USD","category":"groceries","description":"autocannon","merchant":"Bench Market","tags":["bench"],"occurredAt":"2026-11-23T00:00:00.000Z"}'::jsonb || jsonb_build_object('accountId', account.id), now(), now() + interval '1 day'
  from account where not exists (select 1 from finance.budgets b where b.user_id = (select user_id from bench.users where n = :n) and b.currency = 'USD')
  on conflict (user_id, key) do update set request_hash = excluded.request_hash where k.expires_at <= now() returning 1),
written as (insert into finance.transactions (id, user_id, account_id, type, amount, currency, category_id, description, merchant, occurred_at, tags, transfer_id, created_at, updated_at)
  select gen_random_uuid(), (select user_id from bench.users where n = :n), account.id, 'expense', 1234, 'USD', null, 'autocannon', 'Bench Market', now(), '{bench}', null, now(), now() from account, claim returning id, account_id),
event as (insert into finance.outbox (id, type, version, user_id, occurred_at, payload) select gen_random_uuid(), 'transaction.created', 1, (select user_id from bench.users where n = :n), now(), '{"amount":"12.34"}'::jsonb || jsonb_build_object('accountId', written.account_id) from written)
select account_id from written;
