import { sql, type RawBuilder } from 'kysely';
import type { IsoDate } from '@expensio/common';
import { FINANCE_SCHEMA, type FinanceDb } from '../../db.js';
import { localMidnight, localTime } from '../sql.js';
import type { Granularity } from './buckets.js';

const accounts = sql.table(`${FINANCE_SCHEMA}.accounts`);
const transactions = sql.table(`${FINANCE_SCHEMA}.transactions`);

export interface CashFlowBucket {
  period_start: string;
  period_end: string;
  inflow: bigint;
  outflow: bigint;
  balance: bigint;
}

/**
 * One statement: the buckets from generate_series (cut to the range at either end), the flows per
 * bucket, and each bucket's closing balance as the opening balance plus a running sum (a window
 * function) of everything that moved.
 *
 * Income, expenses and what moved come from the per-day totals (transaction_day_totals, kept by
 * triggers in the caller's local days; ADR 0024): a year of days is a few hundred rows, and the
 * opening balance sums the days before the range instead of every transaction. Transfer legs are
 * read one by one, as only they depend on another row: a leg counts as inflow or outflow only when
 * its other leg is in an account outside the scope; it always moves the balance.
 *
 * The accounts in scope are the one asked for, or every account of the user in the currency
 * (archived ones too).
 */
export async function cashFlow(
  db: FinanceDb,
  p: {
    userId: string;
    currency: string;
    accountId?: string | undefined;
    from: IsoDate;
    to: IsoDate;
    timeZone: string;
    granularity: Granularity;
    /** The day totals (dayTotals). */
    days: RawBuilder<unknown>;
  },
): Promise<{ opening: bigint; buckets: CashFlowBucket[] }> {
  const unit = sql.lit(p.granularity);
  const step = sql.lit(`1 ${p.granularity}`);
  const scopeFilter = p.accountId === undefined ? sql`a.currency = ${p.currency}` : sql`a.id = ${p.accountId}`;
  const days = p.days;
  const signed = sql`case when d.type in ('income', 'transfer_in') then d.amount else -d.amount end`;
  const { rows } = await sql<CashFlowBucket & { opening: bigint }>`
    with scope as (
      select a.id, a.opening_balance from ${accounts} a where a.user_id = ${p.userId} and ${scopeFilter}
    ),
    buckets as (
      select g::date as key,
        greatest(g::date, ${p.from}::date) as period_start,
        least((g + ${step}::interval)::date, ${p.to}::date) as period_end
      from generate_series(date_trunc(${unit}, ${p.from}::date::timestamp), (${p.to}::date - 1)::timestamp, ${step}::interval) as g
    ),
    totals as (
      select date_trunc(${unit}, d.day::timestamp)::date as key,
        coalesce(sum(d.amount) filter (where d.type = 'income'), 0) as inflow,
        coalesce(sum(d.amount) filter (where d.type = 'expense'), 0) as outflow,
        sum(${signed}) as moved
      from ${days} d
      where d.account_id in (select id from scope) and d.day >= ${p.from}::date and d.day < ${p.to}::date
      group by 1
    ),
    transfers as (
      select date_trunc(${unit}, ${localTime(p.timeZone)})::date as key,
        coalesce(sum(t.amount) filter (where t.type = 'transfer_in'), 0) as inflow,
        coalesce(sum(t.amount) filter (where t.type = 'transfer_out'), 0) as outflow
      from ${transactions} t
      where t.user_id = ${p.userId} and t.transfer_id is not null and t.account_id in (select id from scope)
        and t.occurred_at >= ${localMidnight(p.from, p.timeZone)} and t.occurred_at < ${localMidnight(p.to, p.timeZone)}
        and not exists (select 1 from ${transactions} o join scope so on so.id = o.account_id where o.transfer_id = t.transfer_id and o.id <> t.id)
      group by 1
    ),
    opening as materialized (
      select (select coalesce(sum(opening_balance), 0) from scope)
        + coalesce((select sum(${signed}) from ${days} d
            where d.account_id in (select id from scope) and d.day < ${p.from}::date), 0) as amount
    )
    select o.amount::bigint as opening,
      b.period_start::text as period_start, b.period_end::text as period_end,
      (coalesce(f.inflow, 0) + coalesce(x.inflow, 0))::bigint as inflow, (coalesce(f.outflow, 0) + coalesce(x.outflow, 0))::bigint as outflow,
      (o.amount + sum(coalesce(f.moved, 0)) over (order by b.key))::bigint as balance
    from buckets b
    left join totals f on f.key = b.key
    left join transfers x on x.key = b.key
    cross join opening o
    order by b.key`.execute(db);
  const opening = rows[0]?.opening ?? 0n;
  return { opening, buckets: rows.map(({ opening: _opening, ...bucket }) => bucket) };
}
