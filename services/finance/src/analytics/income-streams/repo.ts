import { sql } from 'kysely';
import type { IsoDate } from '@expensio/common';
import { FINANCE_SCHEMA, type FinanceDb } from '../../db.js';
import { localMidnight } from '../sql.js';

const transactions = sql.table(`${FINANCE_SCHEMA}.transactions`);
const categories = sql.table(`${FINANCE_SCHEMA}.categories`);

export interface StreamRow {
  source: string;
  category: string | null;
  count: number;
  total: bigint;
  average: bigint;
  median_interval: number | null;
  interval_cv: number | null;
  amount_cv: number | null;
  /** Least-squares slope of the amounts (minor units) per calendar month. */
  slope: number | null;
  last_day: string;
}

/**
 * One row per payer (merchant, else description, else category name; compared without case) with
 * its statistics computed in SQL: intervals are the local calendar days between consecutive
 * payments (lag), coefficients of variation use the population standard deviation, and time for
 * the trend is counted in calendar months (a payment on day d of an n-day month sits at month +
 * (d − 1) / n), so monthly payments on the same day are exactly one apart.
 */
export async function incomeStreams(
  db: FinanceDb,
  p: { userId: string; currency: string; from: IsoDate; to: IsoDate; timeZone: string },
): Promise<StreamRow[]> {
  const { rows } = await sql<StreamRow>`
    with income as (
      select t.amount, t.occurred_at, t.id,
        (t.occurred_at at time zone ${p.timeZone}) as local_at,
        coalesce(t.merchant, t.description, c.name, 'Uncategorised income') as label,
        c.slug as category
      from ${transactions} t
      left join ${categories} c on c.id = t.category_id
      where t.user_id = ${p.userId} and t.currency = ${p.currency} and t.type = 'income'
        and t.occurred_at >= ${localMidnight(p.from, p.timeZone)} and t.occurred_at < ${localMidnight(p.to, p.timeZone)}
    ),
    spaced as (
      select *, lower(label) as key,
        local_at::date - lag(local_at::date) over (partition by lower(label) order by occurred_at, id) as gap,
        extract(year from local_at) * 12 + extract(month from local_at) - 1
          + (extract(day from local_at) - 1) / extract(day from date_trunc('month', local_at) + interval '1 month - 1 day') as month_at
      from income
    )
    select mode() within group (order by label) as source,
      mode() within group (order by category) as category,
      count(*)::int as count,
      sum(amount)::bigint as total,
      round(avg(amount))::bigint as average,
      percentile_cont(0.5) within group (order by gap) as median_interval,
      (stddev_pop(gap) / nullif(avg(gap), 0))::float8 as interval_cv,
      (stddev_pop(amount) / avg(amount))::float8 as amount_cv,
      regr_slope(amount, month_at)::float8 as slope,
      max(local_at)::date::text as last_day
    from spaced
    group by key
    order by sum(amount) desc, key`.execute(db);
  return rows;
}
