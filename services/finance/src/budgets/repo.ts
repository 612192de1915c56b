import { sql, type ExpressionBuilder, type Insertable, type RawBuilder, type Selectable, type SelectQueryBuilder } from 'kysely';
import { DEFAULT_TIME_ZONE, encodeCursor, page, pastCursor, type TimeCursor } from '@expensio/common';
import type { BudgetsTable, BudgetThresholdEventsTable, FinanceDb, FinanceTables } from '../db.js';
import type { BudgetTerms } from './rollover.js';

export type BudgetRow = Omit<Selectable<BudgetsTable>, 'spending_version'> & { category_slug: string | null };
export type ThresholdEventRow = Selectable<BudgetThresholdEventsTable>;
export type NewBudget = Omit<Insertable<BudgetsTable>, 'created_at' | 'updated_at'>;

export function termsOf(row: BudgetRow): BudgetTerms {
  return { amount: row.amount, period: row.period, startDate: row.start_date, rollover: row.rollover, rolloverCap: row.rollover_cap };
}

const budgetColumns = [
  'b.id',
  'b.user_id',
  'b.name',
  'b.amount',
  'b.currency',
  'b.period',
  'b.category_id',
  'b.rollover',
  'b.rollover_cap',
  'b.created_at',
  'b.updated_at',
] as const;
// A date leaves the database as text: drivers would read it as a local-time Date.
const startDate = sql<string>`to_char(b.start_date, 'YYYY-MM-DD')`.as('start_date');

function selectBudgets(db: FinanceDb) {
  return db
    .selectFrom('budgets as b')
    .leftJoin('categories as c', 'c.id', 'b.category_id')
    .select(budgetColumns)
    .select([startDate, 'c.slug as category_slug']);
}

export async function listBudgets(db: FinanceDb, params: { userId: string }): Promise<BudgetRow[]> {
  return selectBudgets(db).where('b.user_id', '=', params.userId).orderBy('b.created_at').orderBy('b.id').execute();
}

export async function findBudget(db: FinanceDb, params: { userId: string; id: string }): Promise<BudgetRow | undefined> {
  return selectBudgets(db).where('b.user_id', '=', params.userId).where('b.id', '=', params.id).executeTakeFirst();
}

export async function insertBudget(db: FinanceDb, row: NewBudget, now: Date): Promise<void> {
  await db
    .insertInto('budgets')
    .values({ ...row, created_at: now, updated_at: now })
    .execute();
}

export async function updateBudget(
  db: FinanceDb,
  params: { userId: string; id: string; changes: Omit<NewBudget, 'id' | 'user_id'>; now: Date },
): Promise<boolean> {
  const result = await db
    .updateTable('budgets')
    .set({ ...params.changes, updated_at: params.now })
    .where('user_id', '=', params.userId)
    .where('id', '=', params.id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deleteBudget(db: FinanceDb, params: { userId: string; id: string }): Promise<boolean> {
  const result = await db.deleteFrom('budgets').where('user_id', '=', params.userId).where('id', '=', params.id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * A user's budgets in one currency (of those `narrow` keeps), locked in id order until the caller's
 * transaction ends, their spending version bumped so that a create checking them in one statement
 * (transactions/writer.ts) knows this write came between its read and its lock.
 */
async function lockForSpending(
  db: FinanceDb,
  params: { userId: string; currency: string },
  narrow: (ids: SelectQueryBuilder<FinanceTables & { l: BudgetsTable }, 'l', { id: string }>) => typeof ids = (ids) => ids,
): Promise<BudgetRow[]> {
  const ids = narrow(db.selectFrom('budgets as l').select('l.id').where('l.user_id', '=', params.userId).where('l.currency', '=', params.currency))
    .orderBy('l.id')
    // Not FOR UPDATE: a threshold event's foreign key check (FOR KEY SHARE) must not wait behind it.
    .forNoKeyUpdate();
  return db
    .updateTable('budgets as b')
    .set({ spending_version: sql<bigint>`b.spending_version + 1` })
    .where('b.id', 'in', ids)
    .returning(budgetColumns)
    .returning([startDate, sql<string | null>`null`.as('category_slug')])
    .execute();
}

/**
 * The budgets a spend in this currency and category counts towards, locked in id order until the
 * caller's transaction ends: concurrent spends then evaluate one after another, each seeing the
 * other's rows, so two spends that cross a threshold only together are not both missed.
 */
export async function lockBudgetsForSpending(db: FinanceDb, params: { userId: string; currency: string; categoryId: string | null }): Promise<BudgetRow[]> {
  const { categoryId } = params;
  return lockForSpending(db, params, (ids) =>
    ids.where((eb) => (categoryId === null ? eb('l.category_id', 'is', null) : eb.or([eb('l.category_id', 'is', null), eb('l.category_id', '=', categoryId)]))),
  );
}

/** Every budget of the user in this currency, locked: what a write of many categories at once can move. */
export async function lockBudgetsInCurrency(db: FinanceDb, params: { userId: string; currency: string }): Promise<BudgetRow[]> {
  return lockForSpending(db, params);
}

/** The date_trunc field of each budget period: 'week' truncates to the ISO Monday. */
const truncUnit = sql<string>`case b.period when 'weekly' then 'week' when 'monthly' then 'month' else 'year' end`;
const onePeriod = sql`case b.period when 'weekly' then interval '7 days' when 'monthly' then interval '1 month' else interval '1 year' end`;

export interface PeriodSpending {
  budget_id: string;
  /** 'YYYY-MM-DD', the period's first day in the user's zone. */
  period_start: string;
  spent: bigint;
}

/**
 * Each budget's spending summed per period, in one grouped query: the user's expenses in the
 * budget's currency (and category), from the start of its first period (or, for a budget that
 * carries nothing, of the period holding the day `from`) to the end of the period holding the day
 * `through`, periods cut at midnight in the user's zone. Transfers and income are not spending.
 */
export async function spendingByPeriod(
  db: FinanceDb,
  params: { userId: string; budgetIds: string[]; from: string; through: string; timeZone: string },
): Promise<PeriodSpending[]> {
  if (params.budgetIds.length === 0) return [];
  return spendingQuery(db, { ...params, budgetIds: params.budgetIds }).execute();
}

/** The budget's columns in the terms spendingQuery takes: values, or expressions of a statement that holds it. */
export interface SpendingTerms {
  userId: string | RawBuilder<string>;
  budgetIds: string[] | RawBuilder<unknown>;
  /**
   * The day, 'YYYY-MM-DD', whose period is the first a budget with rollover 'none' needs: its earlier
   * periods carry nothing into later ones, so they are not read. A budget that carries is read from
   * its first period, whatever this says.
   */
  from: string | RawBuilder<unknown>;
  /** The day, 'YYYY-MM-DD', whose period the sums run through. */
  through: string | RawBuilder<unknown>;
  timeZone: string | RawBuilder<unknown>;
}

/**
 * spendingByPeriod's grouped query, for a statement that runs it as one of its parts. A budget over
 * all categories sums the per-day totals (a row per day and account, however many transactions)
 * when they are kept in the zone asked in, as the statement sees the user's zone; a category's
 * budget, or one asked in another zone, sums the transactions themselves.
 */
export function spendingQuery(db: FinanceDb, params: SpendingTerms) {
  const zone = sql<string>`${params.timeZone}::text`;
  // The days summed, as local midnights: [firstDay, endDay).
  const firstDay = sql<string>`date_trunc(${truncUnit}, (case when b.rollover = 'none' then greatest(b.start_date, ${params.from}::date) else b.start_date end)::timestamp)`;
  const endDay = sql<string>`(date_trunc(${truncUnit}, ${params.through}::date::timestamp) + ${onePeriod})`;
  const { budgetIds } = params;
  const budgets = db
    .selectFrom('budgets as b')
    .where('b.user_id', '=', params.userId)
    .where(Array.isArray(budgetIds) ? sql<boolean>`b.id in (${sql.join(budgetIds)})` : sql<boolean>`b.id in (${budgetIds})`);
  // The triggers keep the day totals in the zone user_time_zones holds (UTC without a row), which
  // this statement reads in its own snapshot: a zone changed since the caller read it falls back to the rows.
  const totalsFit = (eb: ExpressionBuilder<FinanceTables & { b: BudgetsTable }, 'b'>) =>
    eb.and([
      eb('b.category_id', 'is', null),
      eb(
        eb.fn.coalesce(eb.selectFrom('user_time_zones as z').select('z.time_zone').whereRef('z.user_id', '=', 'b.user_id'), sql.lit(DEFAULT_TIME_ZONE)),
        '=',
        zone,
      ),
    ]);
  const fromRows = budgets
    .innerJoin('transactions as t', (join) =>
      join
        .onRef('t.user_id', '=', 'b.user_id')
        .onRef('t.currency', '=', 'b.currency')
        .on('t.type', '=', sql.lit('expense'))
        .on((eb) => eb.or([eb('b.category_id', 'is', null), eb('t.category_id', '=', eb.ref('b.category_id'))]))
        // Counted by their local day, as the day totals are. The instants only let the index find
        // them: a clock set back over midnight (America/Havana on 2026-11-01) starts a day an hour
        // before the instant its midnight reads as, so the lower one is a day early.
        .on(sql<boolean>`t.occurred_at >= ((${firstDay} - interval '1 day') at time zone ${zone})`)
        .on(sql<boolean>`(t.occurred_at at time zone ${zone}) >= ${firstDay}`)
        .on(sql<boolean>`t.occurred_at < (${endDay} at time zone ${zone})`),
    )
    .select([
      'b.id as budget_id',
      sql<string>`to_char(date_trunc(${truncUnit}, t.occurred_at at time zone ${zone}), 'YYYY-MM-DD')`.as('period_start'),
      sql<bigint>`sum(t.amount)::bigint`.as('spent'),
    ])
    .where((eb) => eb.not(totalsFit(eb)))
    // By the output name: the zone is a parameter, and a second copy of it would not match the first.
    .groupBy(['b.id', sql.ref('period_start')]);
  const fromDays = budgets
    .innerJoin('transaction_day_totals as d', (join) =>
      join
        .onRef('d.user_id', '=', 'b.user_id')
        .onRef('d.currency', '=', 'b.currency')
        .on('d.type', '=', sql.lit('expense'))
        .on(sql<boolean>`d.day >= ${firstDay}::date`)
        .on(sql<boolean>`d.day < ${endDay}::date`),
    )
    .select([
      'b.id as budget_id',
      sql<string>`to_char(date_trunc(${truncUnit}, d.day::timestamp), 'YYYY-MM-DD')`.as('period_start'),
      sql<bigint>`sum(d.amount)::bigint`.as('spent'),
    ])
    .where(totalsFit)
    .groupBy(['b.id', sql.ref('period_start')]);
  return fromRows.unionAll(fromDays);
}

export type NewThresholdEvent = Insertable<BudgetThresholdEventsTable>;

/** Inserts the events not recorded yet; the unique key keeps one per budget, period and threshold. */
/** Returns the ids of the crossings recorded now; one recorded before is not recorded again. */
export async function insertThresholdEvents(db: FinanceDb, rows: NewThresholdEvent[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const inserted = await db
    .insertInto('budget_threshold_events')
    .values(rows)
    .onConflict((oc) => oc.columns(['budget_id', 'period_start', 'threshold']).doNothing())
    .returning('id')
    .execute();
  return new Set(inserted.map((r) => r.id));
}

/** Newest first, paged by keyset on (crossed_at, id). */
export async function listThresholdEvents(db: FinanceDb, params: { userId: string; budgetId: string; cursor?: TimeCursor | undefined; limit: number }) {
  let query = db
    .selectFrom('budget_threshold_events as e')
    .select(['e.id', 'e.user_id', 'e.budget_id', 'e.threshold', 'e.crossed_at', 'e.spent', 'e.available', 'e.currency'])
    .select(sql<string>`to_char(e.period_start, 'YYYY-MM-DD')`.as('period_start'))
    .where('e.user_id', '=', params.userId)
    .where('e.budget_id', '=', params.budgetId);
  if (params.cursor) {
    const { at, id } = params.cursor;
    query = query.where((eb) => pastCursor(eb, ['e.crossed_at', 'e.id'], [at, id]));
  }
  const rows = await query
    .orderBy('e.crossed_at', 'desc')
    .orderBy('e.id', 'desc')
    .limit(params.limit + 1)
    .execute();
  return page(rows, params.limit, (last) => encodeCursor({ at: last.crossed_at, id: last.id }));
}
