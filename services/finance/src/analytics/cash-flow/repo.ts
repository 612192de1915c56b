import { sql, type RawBuilder } from 'kysely';
import type { Database, IsoDate } from '@expensio/common';
import { FINANCE_SCHEMA, type FinanceDb } from '../../db.js';
import { amountText, localMidnight, localTime, runPrepared } from '../sql.js';
import type { Granularity } from './buckets.js';

const accounts = sql.table(`${FINANCE_SCHEMA}.accounts`);
const transactions = sql.table(`${FINANCE_SCHEMA}.transactions`);

/** A bucket as the answer holds it: dates and amounts already written as text by PostgreSQL. */
export interface CashFlowBucket {
  periodStart: string;
  periodEnd: string;
  inflow: string;
  outflow: string;
  net: string;
  balance: string;
}

/** A bucket from its text: periodStart,periodEnd,inflow,outflow,net,balance (amounts hold no comma). */
function bucketOf(text: string): CashFlowBucket {
  const [periodStart = '', periodEnd = '', inflow = '', outflow = '', net = '', balance = ''] = text.split(',');
  return { periodStart, periodEnd, inflow, outflow, net, balance };
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
 * (archived ones too). Without an account, the same statement counts what other currencies left
 * out (as otherCurrencies does).
 *
 * The answer is one row: the buckets as one text, `;` between buckets and `,` between fields, the
 * amounts already formatted (amountText), so a year of days crosses the wire as one value split
 * in Node, not 365 rows of six fields each parsed, converted to bigint and formatted again. (A
 * JSON array was tried: more than twice the bytes, and more of PostgreSQL's CPU than the text.)
 * It runs as a prepared statement (runPrepared).
 */
export async function cashFlow(
  database: Database,
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
): Promise<{ opening: string; buckets: CashFlowBucket[]; otherCurrencies: { currency: string; count: number }[] }> {
  const unit = sql.lit(p.granularity);
  const step = sql.lit(`1 ${p.granularity}`);
  const scopeFilter = p.accountId === undefined ? sql`a.currency = ${p.currency}` : sql`a.id = ${p.accountId}`;
  const days = p.days;
  const signed = sql`case when d.type in ('income', 'transfer_in') then d.amount else -d.amount end`;
  const money = (minor: RawBuilder<unknown>) => amountText(minor, p.currency);
  // A named account holds one currency: nothing in it is left out.
  const others =
    p.accountId === undefined
      ? sql`(select coalesce(json_agg(json_build_object('currency', c.currency, 'count', c.count) order by c.currency), '[]'::json) from (
          select d.currency::text as currency, sum(d.count)::int as count from ${days} d
          where d.currency <> ${p.currency} and d.day >= ${p.from}::date and d.day < ${p.to}::date
          group by d.currency) c)`
      : sql`'[]'::json`;
  const query = sql<{ opening: string; buckets: string; other_currencies: { currency: string; count: number }[] }>`
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
    ),
    flows as (
      select b.key, b.period_start, b.period_end,
        coalesce(f.inflow, 0) + coalesce(x.inflow, 0) as inflow, coalesce(f.outflow, 0) + coalesce(x.outflow, 0) as outflow,
        o.amount + sum(coalesce(f.moved, 0)) over (order by b.key) as balance
      from buckets b
      left join totals f on f.key = b.key
      left join transfers x on x.key = b.key
      cross join opening o
    )
    select (select ${money(sql`o.amount`)} from opening o) as opening,
      (select string_agg(concat_ws(',', w.period_start::text, w.period_end::text, ${money(sql`w.inflow`)}, ${money(sql`w.outflow`)},
          ${money(sql`w.inflow - w.outflow`)}, ${money(sql`w.balance`)}), ';' order by w.key) from flows w) as buckets,
      ${others} as other_currencies`;
  const [row] = await runPrepared(database, db, query.compile(db));
  if (row === undefined) throw new Error('the cash-flow statement answered no row');
  return { opening: row.opening, buckets: row.buckets.split(';').map(bucketOf), otherCurrencies: row.other_currencies };
}
