import { sql, type RawBuilder } from 'kysely';
import type { IsoDate } from '@expensio/common';
import type { FinanceDb } from '../../db.js';
import type { TransactionRow } from '../../transactions/repo.js';
import { localMidnight, localTime } from '../sql.js';

export interface RangeParams {
  userId: string;
  currency: string;
  from: IsoDate;
  to: IsoDate;
  timeZone: string;
}

function incomeAndExpenses(db: FinanceDb, p: RangeParams) {
  return db
    .selectFrom('transactions as t')
    .where('t.user_id', '=', p.userId)
    .where('t.currency', '=', p.currency)
    .where('t.occurred_at', '>=', localMidnight(p.from, p.timeZone))
    .where('t.occurred_at', '<', localMidnight(p.to, p.timeZone));
}

/** Income, expenses and their count, from the day totals (`days`, from dayTotals). */
export async function totals(db: FinanceDb, p: RangeParams & { days: RawBuilder<unknown> }) {
  const { rows } = await sql<{ income: bigint; expense: bigint; count: number }>`
    select coalesce(sum(d.amount) filter (where d.type = 'income'), 0)::bigint as income,
      coalesce(sum(d.amount) filter (where d.type = 'expense'), 0)::bigint as expense,
      coalesce(sum(d.count), 0)::int as count
    from ${p.days} d
    where d.currency = ${p.currency} and d.day >= ${p.from}::date and d.day < ${p.to}::date and d.type in ('income', 'expense')`.execute(db);
  const row = rows[0];
  if (row === undefined) throw new Error('an aggregate without a group returned no row');
  return row;
}

/**
 * Expenses per category over the range and over `previousFrom`..`from`, in one scan of both.
 * Shares and changes are rounded in SQL (numeric, half away from zero).
 */
export async function expensesByCategory(db: FinanceDb, p: RangeParams & { previousFrom: IsoDate }) {
  const from = localMidnight(p.from, p.timeZone);
  const current = sql`t.occurred_at >= ${from}`;
  return incomeAndExpenses(db, { ...p, from: p.previousFrom })
    .leftJoin('categories as c', 'c.id', 't.category_id')
    .select([
      'c.slug as category',
      'c.name as name',
      sql<bigint>`coalesce(sum(t.amount) filter (where ${current}), 0)::bigint`.as('amount'),
      sql<number>`(count(*) filter (where ${current}))::int`.as('count'),
      sql<bigint>`coalesce(sum(t.amount) filter (where not ${current}), 0)::bigint`.as('previous'),
      sql<number>`round(100.0 * sum(t.amount) filter (where ${current}) / sum(sum(t.amount) filter (where ${current})) over (), 2)::float8`.as('share'),
      sql<
        number | null
      >`round(100.0 * (coalesce(sum(t.amount) filter (where ${current}), 0) - sum(t.amount) filter (where not ${current})) / nullif(sum(t.amount) filter (where not ${current}), 0), 2)::float8`.as(
        'change',
      ),
    ])
    .where('t.type', '=', 'expense')
    .groupBy(['t.category_id', 'c.slug', 'c.name'])
    .having(sql<boolean>`count(*) filter (where ${current}) > 0`)
    .orderBy(sql`sum(t.amount) filter (where ${current})`, 'desc')
    .orderBy('c.slug')
    .execute();
}

/**
 * Merchants compared without case, shown in their most frequent spelling (on a tie, the first in
 * sort order, as mode() would). Summed per spelling first: a hash of a few distinct names instead of
 * sorting every row of the range.
 */
export async function topMerchants(db: FinanceDb, p: RangeParams & { limit: number }) {
  const spellings = incomeAndExpenses(db, p)
    .select(['t.merchant', sql<bigint>`sum(t.amount)`.as('amount'), sql<number>`count(*)`.as('count')])
    .where('t.type', '=', 'expense')
    .where('t.merchant', 'is not', null)
    .groupBy('t.merchant');
  const { rows } = await sql<{ merchant: string; amount: bigint; count: number }>`
    select (array_agg(s.merchant order by s.count desc, s.merchant))[1] as merchant, sum(s.amount)::bigint as amount, sum(s.count)::int as count
    from (${spellings}) as s
    group by lower(s.merchant)
    order by sum(s.amount) desc, lower(s.merchant)
    limit ${p.limit}`.execute(db);
  return rows;
}

export async function largestExpenses(db: FinanceDb, p: RangeParams & { limit: number }): Promise<TransactionRow[]> {
  return incomeAndExpenses(db, p)
    .leftJoin('categories as c', 'c.id', 't.category_id')
    .selectAll('t')
    .select('c.slug as category_slug')
    .where('t.type', '=', 'expense')
    .orderBy('t.amount', 'desc')
    .orderBy('t.occurred_at', 'desc')
    .orderBy('t.id', 'desc')
    .limit(p.limit)
    .execute();
}

/**
 * Expenses per local weekday (1 = Monday) or hour, every slot present: generate_series gives the
 * slots, the aggregate joins onto them. Weekdays sum the day totals (`days`); hours need the rows.
 */
export async function expensesBySlot(db: FinanceDb, p: RangeParams & { slot: 'isodow' | 'hour'; days: RawBuilder<unknown> }) {
  const [first, last] = p.slot === 'isodow' ? [1, 7] : [0, 23];
  const sums =
    p.slot === 'isodow'
      ? sql`select extract(isodow from d.day)::int as slot, sum(d.amount) as amount, sum(d.count) as count from ${p.days} d
          where d.currency = ${p.currency} and d.day >= ${p.from}::date and d.day < ${p.to}::date and d.type = 'expense' group by 1`
      : incomeAndExpenses(db, p)
          .select([
            sql<number>`extract(hour from ${localTime(p.timeZone)})::int`.as('slot'),
            sql<bigint>`sum(t.amount)`.as('amount'),
            sql<number>`count(*)`.as('count'),
          ])
          .where('t.type', '=', 'expense')
          // By position: the same expression written twice carries two parameters, which PostgreSQL does not match.
          .groupBy(sql`1`);
  const { rows } = await sql<{ slot: number; amount: bigint; count: number }>`
    select s.slot, coalesce(x.amount, 0)::bigint as amount, coalesce(x.count, 0)::int as count
    from generate_series(${first}::int, ${last}::int) as s(slot)
    left join (${sums}) as x on x.slot = s.slot
    order by s.slot`.execute(db);
  return rows;
}
