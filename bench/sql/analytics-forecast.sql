-- The statements GET /api/analytics/forecast?granularity=day sends (services/finance/src/analytics/forecast/repo.ts,
-- the day totals subquery from ../sql.ts, and the zone and currency look-up before them), for pgbench:
-- -D uid -D cur -D tz -D from (the history's first day) -D to (today) -D next (tomorrow).
select (select time_zone from finance.user_time_zones where user_id = :uid) as time_zone,
  (select currency from finance.accounts where user_id = :uid and is_default) as currency;
select to_char(min(occurred_at) at time zone :tz, 'YYYY-MM-DD') from finance.transactions where user_id = :uid and currency = :cur;
select (select string_agg(coalesce(x.total, 0)::text, ',' order by g)
    from generate_series(:from::timestamp, :to::timestamp - '1 day'::interval, '1 day'::interval) as g
    left join (select date_trunc('day', d.day::timestamp) as period_start, sum(d.amount) as total
      from (select d.day, d.account_id, d.currency, d.type, d.recurring, d.amount, d.count from finance.transaction_day_totals d where d.user_id = :uid) d
      where d.currency = :cur and d.type = 'expense' and not d.recurring and d.day >= :from::date and d.day < :to::date
      group by 1) as x on x.period_start = g) as totals,
  s.one_off, s.recurring,
  (select coalesce(json_agg(json_build_object('currency', c.currency, 'count', c.count) order by c.currency), '[]'::json)
    from (select d.currency, sum(d.count)::int as count
      from (select d.day, d.account_id, d.currency, d.type, d.recurring, d.amount, d.count from finance.transaction_day_totals d where d.user_id = :uid) d
      where d.currency <> :cur and d.type = 'expense' and d.day >= :from::date and d.day < :next::date
      group by d.currency) as c) as other_currencies,
  (select coalesce(json_agg(json_build_object(
        'id', r.id, 'amount', r.amount::text, 'frequency', r.frequency, 'frequency_interval', r.frequency_interval,
        'start_date', r.start_date::text, 'end_date', r.end_date::text, 'occurrence_count', r.occurrence_count,
        'next_index', r.next_index, 'pauses', (select coalesce(json_agg(json_build_object('pausedOn', p.paused_on::text, 'resumedOn', p.resumed_on::text) order by p.paused_on), '[]'::json)
          from finance.recurring_pauses p where p.rule_id = r.id and p.resumed_on is not null)) order by r.id), '[]'::json)
    from finance.recurring_rules r
    where r.user_id = :uid and r.type = 'expense' and r.currency = :cur and r.paused = false and r.next_date is not null) as rules
from (select coalesce(sum(t.amount) filter (where t.recurring_rule_id is null), 0)::text as one_off,
    coalesce(sum(t.amount) filter (where t.recurring_rule_id is not null), 0)::text as recurring
  from finance.transactions t
  where t.user_id = :uid and t.currency = :cur and t.type = 'expense'
    and t.occurred_at >= (:to::timestamp at time zone :tz) and t.occurred_at < (:next::timestamp at time zone :tz)) as s;
