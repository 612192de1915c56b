-- The range statements GET /api/analytics/comprehensive sends (services/finance/src/analytics/comprehensive/repo.ts,
-- sql.ts and the zone and currency look-up before them), for pgbench: -D uid -D cur -D tz -D prev -D from -D to.
-- Budgets, goals and debts (the state today, a few rows each, empty for the bench user) are left out.
select (select time_zone from finance.user_time_zones where user_id = :uid) as time_zone,
  (select currency from finance.accounts where user_id = :uid and is_default) as currency;
select time_zone from finance.user_time_zones where user_id = :uid;
select coalesce(sum(d.amount) filter (where d.type = 'income'), 0)::bigint, coalesce(sum(d.amount) filter (where d.type = 'expense'), 0)::bigint, coalesce(sum(d.count), 0)::int
from (select d.day, d.account_id, d.currency, d.type, d.recurring, d.amount, d.count from finance.transaction_day_totals d where d.user_id = :uid) d
where d.currency = :cur and d.day >= :from::date and d.day < :to::date and d.type in ('income', 'expense');
select c.slug, c.name,
  coalesce(sum(t.amount) filter (where t.occurred_at >= (:from::date::timestamp at time zone :tz)), 0)::bigint,
  (count(*) filter (where t.occurred_at >= (:from::date::timestamp at time zone :tz)))::int,
  coalesce(sum(t.amount) filter (where not t.occurred_at >= (:from::date::timestamp at time zone :tz)), 0)::bigint,
  round(100.0 * sum(t.amount) filter (where t.occurred_at >= (:from::date::timestamp at time zone :tz)) / sum(sum(t.amount) filter (where t.occurred_at >= (:from::date::timestamp at time zone :tz))) over (), 2)::float8
from finance.transactions t left join finance.categories c on c.id = t.category_id
where t.user_id = :uid and t.currency = :cur and t.occurred_at >= (:prev::date::timestamp at time zone :tz) and t.occurred_at < (:to::date::timestamp at time zone :tz)
  and t.type = 'expense'
group by t.category_id, c.slug, c.name
having count(*) filter (where t.occurred_at >= (:from::date::timestamp at time zone :tz)) > 0
order by sum(t.amount) filter (where t.occurred_at >= (:from::date::timestamp at time zone :tz)) desc, c.slug;
select (array_agg(s.merchant order by s.count desc, s.merchant))[1], sum(s.amount)::bigint, sum(s.count)::int
from (select t.merchant, sum(t.amount) as amount, count(*) as count from finance.transactions t
  where t.user_id = :uid and t.currency = :cur and t.occurred_at >= (:from::date::timestamp at time zone :tz) and t.occurred_at < (:to::date::timestamp at time zone :tz)
    and t.type = 'expense' and t.merchant is not null
  group by t.merchant) as s
group by lower(s.merchant) order by sum(s.amount) desc, lower(s.merchant) limit 10;
select t.*, c.slug from finance.transactions t left join finance.categories c on c.id = t.category_id
where t.user_id = :uid and t.currency = :cur and t.occurred_at >= (:from::date::timestamp at time zone :tz) and t.occurred_at < (:to::date::timestamp at time zone :tz)
  and t.type = 'expense'
order by t.amount desc, t.occurred_at desc, t.id desc limit 5;
select s.slot, coalesce(x.amount, 0)::bigint, coalesce(x.count, 0)::int
from generate_series(1, 7) as s(slot)
left join (select extract(isodow from d.day)::int as slot, sum(d.amount) as amount, sum(d.count) as count
  from (select d.day, d.account_id, d.currency, d.type, d.recurring, d.amount, d.count from finance.transaction_day_totals d where d.user_id = :uid) d
  where d.currency = :cur and d.day >= :from::date and d.day < :to::date and d.type = 'expense' group by 1) as x on x.slot = s.slot
order by s.slot;
select s.slot, coalesce(x.amount, 0)::bigint, coalesce(x.count, 0)::int
from generate_series(0, 23) as s(slot)
left join (select extract(hour from (t.occurred_at at time zone :tz))::int as slot, sum(t.amount) as amount, count(*) as count
  from finance.transactions t
  where t.user_id = :uid and t.currency = :cur and t.occurred_at >= (:from::date::timestamp at time zone :tz) and t.occurred_at < (:to::date::timestamp at time zone :tz)
    and t.type = 'expense' group by 1) as x on x.slot = s.slot
order by s.slot;
select d.currency, sum(d.count)::int as count
from (select d.day, d.account_id, d.currency, d.type, d.recurring, d.amount, d.count from finance.transaction_day_totals d where d.user_id = :uid) d
where d.currency <> :cur and d.day >= :from::date and d.day < :to::date and d.type in ('income', 'expense')
group by d.currency order by d.currency;
