-- The range statements GET /api/analytics/comprehensive sends (services/finance/src/analytics/comprehensive/repo.ts
-- and sql.ts), for pgbench: -D uid -D cur -D tz -D prev -D from -D to. Budgets, goals and debts (the
-- state today, a few rows each, empty for the bench user) are left out.
select coalesce(sum(t.amount) filter (where t.type = 'income'), 0)::bigint, coalesce(sum(t.amount) filter (where t.type = 'expense'), 0)::bigint, count(*)::int
from finance.transactions t
where t.user_id = :uid and t.currency = :cur and t.occurred_at >= (:from::date::timestamp at time zone :tz) and t.occurred_at < (:to::date::timestamp at time zone :tz)
  and t.type in ('income', 'expense');
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
select mode() within group (order by t.merchant), sum(t.amount)::bigint, count(*)::int
from finance.transactions t
where t.user_id = :uid and t.currency = :cur and t.occurred_at >= (:from::date::timestamp at time zone :tz) and t.occurred_at < (:to::date::timestamp at time zone :tz)
  and t.type = 'expense' and t.merchant is not null
group by lower(t.merchant) order by sum(t.amount) desc, lower(t.merchant) limit 10;
select t.*, c.slug from finance.transactions t left join finance.categories c on c.id = t.category_id
where t.user_id = :uid and t.currency = :cur and t.occurred_at >= (:from::date::timestamp at time zone :tz) and t.occurred_at < (:to::date::timestamp at time zone :tz)
  and t.type = 'expense'
order by t.amount desc, t.occurred_at desc, t.id desc limit 5;
select s.slot, coalesce(x.amount, 0)::bigint, coalesce(x.count, 0)::int
from generate_series(1, 7) as s(slot)
left join (select extract(isodow from (t.occurred_at at time zone :tz))::int as slot, sum(t.amount) as amount, count(*) as count
  from finance.transactions t
  where t.user_id = :uid and t.currency = :cur and t.occurred_at >= (:from::date::timestamp at time zone :tz) and t.occurred_at < (:to::date::timestamp at time zone :tz)
    and t.type = 'expense' group by 1) as x on x.slot = s.slot
order by s.slot;
select s.slot, coalesce(x.amount, 0)::bigint, coalesce(x.count, 0)::int
from generate_series(0, 23) as s(slot)
left join (select extract(hour from (t.occurred_at at time zone :tz))::int as slot, sum(t.amount) as amount, count(*) as count
  from finance.transactions t
  where t.user_id = :uid and t.currency = :cur and t.occurred_at >= (:from::date::timestamp at time zone :tz) and t.occurred_at < (:to::date::timestamp at time zone :tz)
    and t.type = 'expense' group by 1) as x on x.slot = s.slot
order by s.slot;
select t.currency, count(*)::int from finance.transactions t
where t.user_id = :uid and t.currency <> :cur and t.occurred_at >= (:from::date::timestamp at time zone :tz) and t.occurred_at < (:to::date::timestamp at time zone :tz)
  and t.type in ('income', 'expense')
group by t.currency order by t.currency;
