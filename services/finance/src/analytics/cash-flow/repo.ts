import { sql } from 'kysely';
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
 * bucket grouped on the caller's local time, and each bucket's closing balance as the opening
 * balance plus a running sum (a window function) of everything that moved.
 *
 * The accounts in scope are the one asked for, or every account of the user in the currency
 * (archived ones too). A transfer leg counts as inflow or outflow only when its other leg is in
 * an account outside the scope; it always moves the balance.
 */
export async function cashFlow(
  db: FinanceDb,
  p: { userId: string; currency: string; accountId?: string | undefined; from: IsoDate; to: IsoDate; timeZone: string; granularity: Granularity },
): Promise<{ opening: bigint; buckets: CashFlowBucket[] }> {
  const unit = sql.lit(p.granularity);
  const step = sql.lit(`1 ${p.granularity}`);
  const fromTs = localMidnight(p.from, p.timeZone);
  const toTs = localMidnight(p.to, p.timeZone);
  const scopeFilter = p.accountId === undefined ? sql`a.currency = ${p.currency}` : sql`a.id = ${p.accountId}`;
  const signed = sql`case when t.type in ('income', 'transfer_in') then t.amount else -t.amount end`;
  const counted = sql`(t.transfer_id is null or not exists (
      select 1 from ${transactions} o join scope so on so.id = o.account_id
      where o.transfer_id = t.transfer_id and o.id <> t.id))`;
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
    flows as (
      select date_trunc(${unit}, ${localTime(p.timeZone)})::date as key,
        coalesce(sum(t.amount) filter (where t.type in ('income', 'transfer_in') and ${counted}), 0) as inflow,
        coalesce(sum(t.amount) filter (where t.type in ('expense', 'transfer_out') and ${counted}), 0) as outflow,
        sum(${signed}) as moved
      from ${transactions} t
      where t.user_id = ${p.userId} and t.account_id in (select id from scope)
        and t.occurred_at >= ${fromTs} and t.occurred_at < ${toTs}
      group by 1
    ),
    opening as (
      select (select coalesce(sum(opening_balance), 0) from scope)
        + coalesce((select sum(${signed}) from ${transactions} t
            where t.user_id = ${p.userId} and t.account_id in (select id from scope) and t.occurred_at < ${fromTs}), 0) as amount
    )
    select o.amount::bigint as opening,
      b.period_start::text as period_start, b.period_end::text as period_end,
      coalesce(f.inflow, 0)::bigint as inflow, coalesce(f.outflow, 0)::bigint as outflow,
      (o.amount + sum(coalesce(f.moved, 0)) over (order by b.key))::bigint as balance
    from buckets b
    left join flows f on f.key = b.key
    cross join opening o
    order by b.key`.execute(db);
  const opening = rows[0]?.opening ?? 0n;
  return { opening, buckets: rows.map(({ opening: _opening, ...bucket }) => bucket) };
}
