-- The statements GET /api/analytics/cash-flow?granularity=day sends (services/finance/src/analytics/cash-flow/repo.ts,
-- the day totals subquery and amountText from ../sql.ts, and the zone and currency look-up before it),
-- for pgbench: -D uid=<user> -D cur=USD -D tz=UTC -D from=YYYY-MM-DD -D to=YYYY-MM-DD
select (select time_zone from finance.user_time_zones where user_id = :uid) as time_zone,
  (select currency from finance.accounts where user_id = :uid and is_default) as currency;
with scope as (
  select a.id, a.opening_balance from finance.accounts a where a.user_id = :uid and a.currency = :cur
),
buckets as (
  select g::date as key,
    greatest(g::date, :from::date) as period_start,
    least((g + '1 day'::interval)::date, :to::date) as period_end
  from generate_series(date_trunc('day', :from::date::timestamp), (:to::date - 1)::timestamp, '1 day'::interval) as g
),
totals as (
  select date_trunc('day', d.day::timestamp)::date as key,
    coalesce(sum(d.amount) filter (where d.type = 'income'), 0) as inflow,
    coalesce(sum(d.amount) filter (where d.type = 'expense'), 0) as outflow,
    sum(case when d.type in ('income', 'transfer_in') then d.amount else -d.amount end) as moved
  from (select d.day, d.account_id, d.currency, d.type, d.recurring, d.amount, d.count from finance.transaction_day_totals d where d.user_id = :uid) d
  where d.account_id in (select id from scope) and d.day >= :from::date and d.day < :to::date
  group by 1
),
transfers as (
  select date_trunc('day', (t.occurred_at at time zone :tz))::date as key,
    coalesce(sum(t.amount) filter (where t.type = 'transfer_in'), 0) as inflow,
    coalesce(sum(t.amount) filter (where t.type = 'transfer_out'), 0) as outflow
  from finance.transactions t
  where t.user_id = :uid and t.transfer_id is not null and t.account_id in (select id from scope)
    and t.occurred_at >= (:from::date::timestamp at time zone :tz) and t.occurred_at < (:to::date::timestamp at time zone :tz)
    and not exists (select 1 from finance.transactions o join scope so on so.id = o.account_id where o.transfer_id = t.transfer_id and o.id <> t.id)
  group by 1
),
opening as materialized (
  select (select coalesce(sum(opening_balance), 0) from scope)
    + coalesce((select sum(case when d.type in ('income', 'transfer_in') then d.amount else -d.amount end) from (
        select d.day, d.account_id, d.currency, d.type, d.recurring, d.amount, d.count from finance.transaction_day_totals d where d.user_id = :uid) d
      where d.account_id in (select id from scope) and d.day < :from::date), 0) as amount
),
flows as (
  select b.key, b.period_start, b.period_end,
    coalesce(f.inflow, 0) + coalesce(x.inflow, 0) as inflow, coalesce(f.outflow, 0) + coalesce(x.outflow, 0) as outflow,
    o.amount + sum(coalesce(f.moved, 0)) over (order by b.key) as balance
  from buckets b left join totals f on f.key = b.key left join transfers x on x.key = b.key cross join opening o
)
select (select ((o.amount) * '0.01'::numeric)::text from opening o) as opening,
  (select string_agg(concat_ws(',', w.period_start::text, w.period_end::text, ((w.inflow) * '0.01'::numeric)::text, ((w.outflow) * '0.01'::numeric)::text,
      ((w.inflow - w.outflow) * '0.01'::numeric)::text, ((w.balance) * '0.01'::numeric)::text), ';' order by w.key) from flows w) as buckets,
  (select coalesce(json_agg(json_build_object('currency', c.currency, 'count', c.count) order by c.currency), '[]'::json) from (
    select d.currency::text as currency, sum(d.count)::int as count
    from (select d.day, d.account_id, d.currency, d.type, d.recurring, d.amount, d.count from finance.transaction_day_totals d where d.user_id = :uid) d
    where d.currency <> :cur and d.day >= :from::date and d.day < :to::date
    group by d.currency) c) as other_currencies;
