-- The statement GET /api/analytics/cash-flow?granularity=day sends (services/finance/src/analytics/cash-flow/repo.ts),
-- for pgbench: -D uid=<user> -D cur=USD -D tz=UTC -D from=YYYY-MM-DD -D to=YYYY-MM-DD
with scope as (
  select a.id, a.opening_balance from finance.accounts a where a.user_id = :uid and a.currency = :cur
),
buckets as (
  select g::date as key,
    greatest(g::date, :from::date) as period_start,
    least((g + '1 day'::interval)::date, :to::date) as period_end
  from generate_series(date_trunc('day', :from::date::timestamp), (:to::date - 1)::timestamp, '1 day'::interval) as g
),
flows as (
  select date_trunc('day', (t.occurred_at at time zone :tz))::date as key,
    coalesce(sum(t.amount) filter (where t.type in ('income', 'transfer_in') and (t.transfer_id is null or not exists (
      select 1 from finance.transactions o join scope so on so.id = o.account_id where o.transfer_id = t.transfer_id and o.id <> t.id))), 0) as inflow,
    coalesce(sum(t.amount) filter (where t.type in ('expense', 'transfer_out') and (t.transfer_id is null or not exists (
      select 1 from finance.transactions o join scope so on so.id = o.account_id where o.transfer_id = t.transfer_id and o.id <> t.id))), 0) as outflow,
    sum(case when t.type in ('income', 'transfer_in') then t.amount else -t.amount end) as moved
  from finance.transactions t
  where t.user_id = :uid and t.account_id in (select id from scope)
    and t.occurred_at >= (:from::date::timestamp at time zone :tz) and t.occurred_at < (:to::date::timestamp at time zone :tz)
  group by 1
),
opening as (
  select (select coalesce(sum(opening_balance), 0) from scope)
    + coalesce((select sum(case when t.type in ('income', 'transfer_in') then t.amount else -t.amount end) from finance.transactions t
        where t.user_id = :uid and t.account_id in (select id from scope) and t.occurred_at < (:from::date::timestamp at time zone :tz)), 0) as amount
)
select o.amount::bigint as opening, b.period_start::text, b.period_end::text,
  coalesce(f.inflow, 0)::bigint as inflow, coalesce(f.outflow, 0)::bigint as outflow,
  (o.amount + sum(coalesce(f.moved, 0)) over (order by b.key))::bigint as balance
from buckets b left join flows f on f.key = b.key cross join opening o
order by b.key;
