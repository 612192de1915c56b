import { sql } from 'kysely';
import { FINANCE_SCHEMA, type FinanceDb } from '../../db.js';

const transactions = sql.table(`${FINANCE_SCHEMA}.transactions`);
const rules = sql.table(`${FINANCE_SCHEMA}.recurring_rules`);

export interface ChargeSeries {
  key: string;
  currency: string;
  merchant: string;
  count: number;
  first_charged: string;
  last_charged: string;
  usual: bigint;
  latest: bigint;
  previous: bigint | null;
  account_id: string;
  category_id: string | null;
  latest_merchant: string | null;
  latest_description: string | null;
  weekly: boolean;
  monthly: boolean;
  quarterly: boolean;
  yearly: boolean;
  rule_id: string | null;
}

/**
 * The user's expenses grouped by payee (merchant, else description, without case) and currency,
 * with, per group, whether every gap between consecutive charges (local calendar days, via lag)
 * fits each cadence: a week ±1 day, the same day next month ±3, in three months ±5, next year ±7.
 * Groups of one charge are dropped in SQL; the rules of how many a cadence needs are the caller's.
 */
export async function chargeSeries(db: FinanceDb, p: { userId: string; currency?: string | undefined; timeZone: string }): Promise<ChargeSeries[]> {
  const currencyFilter = p.currency === undefined ? sql`` : sql`and t.currency = ${p.currency}`;
  const { rows } = await sql<ChargeSeries>`
    with charges as (
      select t.id, t.amount, t.currency, t.account_id, t.category_id, t.merchant, t.description, t.occurred_at,
        coalesce(t.merchant, t.description) as label,
        lower(coalesce(t.merchant, t.description)) as key,
        (t.occurred_at at time zone ${p.timeZone})::date as day
      from ${transactions} t
      where t.user_id = ${p.userId} and t.type = 'expense' and coalesce(t.merchant, t.description) is not null ${currencyFilter}
    ),
    spaced as (
      select *, lag(day) over w as prev_day, lag(amount) over w as prev_amount,
        row_number() over (partition by key, currency order by occurred_at desc, id desc) as newest
      from charges
      window w as (partition by key, currency order by occurred_at, id)
    ),
    series as (
      select key, currency, count(*)::int as count,
        mode() within group (order by label) as merchant,
        min(day)::text as first_charged, max(day)::text as last_charged,
        percentile_disc(0.5) within group (order by amount) as usual,
        bool_and(prev_day is null or abs(day - prev_day - 7) <= 1) as weekly,
        bool_and(prev_day is null or abs(day - (prev_day + interval '1 month')::date) <= 3) as monthly,
        bool_and(prev_day is null or abs(day - (prev_day + interval '3 months')::date) <= 5) as quarterly,
        bool_and(prev_day is null or abs(day - (prev_day + interval '1 year')::date) <= 7) as yearly
      from spaced
      group by key, currency
      having count(*) >= 2
    )
    select s.*, l.amount as latest, l.prev_amount as previous, l.account_id, l.category_id,
      l.merchant as latest_merchant, l.description as latest_description,
      (select r.id from ${rules} r
        where r.user_id = ${p.userId} and r.currency = s.currency
          and (r.subscription_key = s.key or (r.type = 'expense' and lower(coalesce(r.merchant, r.description)) = s.key))
        order by r.created_at, r.id limit 1) as rule_id
    from series s
    join spaced l on l.key = s.key and l.currency = s.currency and l.newest = 1
    where s.weekly or s.monthly or s.quarterly or s.yearly
    order by s.key, s.currency`.execute(db);
  return rows;
}

/** Expenses in other currencies than the one answered in, over the whole history (what the answer leaves out). */
export async function otherCurrencyExpenses(db: FinanceDb, p: { userId: string; currency: string }): Promise<{ currency: string; count: number }[]> {
  return db
    .selectFrom('transactions as t')
    .select(['t.currency', sql<number>`count(*)::int`.as('count')])
    .where('t.user_id', '=', p.userId)
    .where('t.type', '=', 'expense')
    .where('t.currency', '<>', p.currency)
    .groupBy('t.currency')
    .orderBy('t.currency')
    .execute();
}
