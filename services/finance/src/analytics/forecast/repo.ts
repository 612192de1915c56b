import { sql, type RawBuilder } from 'kysely';
import type { Database } from '@expensio/common';
import type { FinanceDb, Frequency } from '../../db.js';
import type { PauseWindow } from '../../recurring/schedule.js';
import { dayTotals, runPrepared } from '../sql.js';
import type { Granularity } from './model/select.js';

/**
 * The forecast's SQL. Days, weeks and months are counted in the caller's zone: an instant becomes
 * a local timestamp with `at time zone`, and a local day boundary becomes an instant the same way.
 * Every query filters by owner.
 */
export interface SpendingScope {
  userId: string;
  currency: string;
  /** Only this category's expenses, when set. */
  categoryId: string | null;
  timeZone: string;
  /** The user's own zone, when the caller has just read it (dayTotals). */
  userTimeZone?: string | undefined;
}

/** The instant a local date begins in the zone. */
function startOf(date: string, timeZone: string) {
  return sql<Date>`(${date}::timestamp at time zone ${timeZone})`;
}

/** The local day of the user's first transaction in the currency: when their records of it begin. */
export async function firstRecordedDay(
  database: Database,
  db: FinanceDb,
  params: { userId: string; currency: string; timeZone: string },
): Promise<string | null> {
  const query = db
    .selectFrom('transactions')
    .select(sql<string | null>`to_char(min(occurred_at) at time zone ${params.timeZone}, 'YYYY-MM-DD')`.as('day'))
    .where('user_id', '=', params.userId)
    .where('currency', '=', params.currency);
  const [row] = await runPrepared(database, db, query.compile());
  return row?.day ?? null;
}

function expenses(db: FinanceDb, scope: SpendingScope) {
  let query = db
    .selectFrom('transactions as t')
    .where('t.user_id', '=', scope.userId)
    .where('t.currency', '=', scope.currency)
    // Transfers between the user's own accounts are transfer_in/transfer_out, never expense.
    .where('t.type', '=', 'expense');
  if (scope.categoryId !== null) query = query.where('t.category_id', '=', scope.categoryId);
  return query;
}

/**
 * Where per-day spending is read: the day totals when no category is asked for (they hold none),
 * else the rows themselves, which the user-and-time index covers.
 */
async function dailySource(db: FinanceDb, scope: SpendingScope): Promise<RawBuilder<unknown> | null> {
  return scope.categoryId === null ? dayTotals(db, scope.userId, scope.timeZone, scope.userTimeZone) : null;
}

type PeriodScope = SpendingScope & { granularity: Granularity; from: string; to: string };

/**
 * One total (minor units) per period from `from` (a period start) up to `to` (exclusive), every
 * period present, empty ones as zero, in order, as one comma-separated text: the model reads
 * numbers, not two years of day rows. Transactions that recurring rules posted are left out: the
 * forecast adds those back from the rules themselves.
 */
function seriesText(db: FinanceDb, scope: PeriodScope, days: RawBuilder<unknown> | null): RawBuilder<string | null> {
  const step = `1 ${scope.granularity}`;
  const totals =
    days !== null
      ? sql`select date_trunc(${scope.granularity}, d.day::timestamp) as period_start, sum(d.amount) as total
          from ${days} d
          where d.currency = ${scope.currency} and d.type = 'expense' and not d.recurring and d.day >= ${scope.from}::date and d.day < ${scope.to}::date
          group by 1`
      : expenses(db, scope)
          .select([
            sql<Date>`date_trunc(${scope.granularity}, t.occurred_at at time zone ${scope.timeZone})`.as('period_start'),
            sql<string>`sum(t.amount)`.as('total'),
          ])
          .where('t.recurring_rule_id', 'is', null)
          .where('t.occurred_at', '>=', startOf(scope.from, scope.timeZone))
          .where('t.occurred_at', '<', startOf(scope.to, scope.timeZone))
          // By position: the same expression written twice would carry different parameters.
          .groupBy(sql`1`);
  return sql<string | null>`(select string_agg(coalesce(x.total, 0)::text, ',' order by g)
    from generate_series(${scope.from}::timestamp, ${scope.to}::timestamp - ${step}::interval, ${step}::interval) as g
    left join (${totals}) as x on x.period_start = g)`;
}

const totalsOf = (text: string | null): bigint[] => (text === null ? [] : text.split(',').map(BigInt));

/** The spending of each period, `from` to `to` (spendingHistory without the rest); a prepared statement. */
export async function spendingPerPeriod(database: Database, db: FinanceDb, scope: PeriodScope): Promise<bigint[]> {
  const query = sql<{ totals: string | null }>`select ${seriesText(db, scope, await dailySource(db, scope))} as totals`;
  const [row] = await runPrepared(database, db, query.compile(db));
  return totalsOf(row?.totals ?? null);
}

/** How many expenses of the scope from `from` to `to` were in other currencies, per currency, as a JSON array. */
function otherCurrenciesJson(db: FinanceDb, scope: SpendingScope & { from: string; to: string }, days: RawBuilder<unknown> | null) {
  let counts;
  if (days !== null) {
    counts = sql`select d.currency, sum(d.count)::int as count from ${days} d
      where d.currency <> ${scope.currency} and d.type = 'expense' and d.day >= ${scope.from}::date and d.day < ${scope.to}::date
      group by d.currency`;
  } else {
    let query = db
      .selectFrom('transactions as t')
      .select(['t.currency', sql<number>`count(*)::int`.as('count')])
      .where('t.user_id', '=', scope.userId)
      .where('t.currency', '<>', scope.currency)
      .where('t.type', '=', 'expense')
      .where('t.occurred_at', '>=', startOf(scope.from, scope.timeZone))
      .where('t.occurred_at', '<', startOf(scope.to, scope.timeZone));
    if (scope.categoryId !== null) query = query.where('t.category_id', '=', scope.categoryId);
    counts = query.groupBy('t.currency');
  }
  return sql<
    { currency: string; count: number }[]
  >`(select coalesce(json_agg(json_build_object('currency', c.currency, 'count', c.count) order by c.currency), '[]'::json)
    from (${counts}) as c)`;
}

/**
 * What the forecast reads of the spending, in one round trip (a prepared statement): the totals of
 * the history's periods (`from` to `current`), the current period's spending (`current` to `next`)
 * split by whether a recurring rule posted it, and the expenses of the whole stretch (`from` to
 * `next`) left out for their currency.
 */
export async function spendingHistory(
  database: Database,
  db: FinanceDb,
  scope: SpendingScope & { granularity: Granularity; from: string; current: string; next: string },
): Promise<{ totals: bigint[]; spent: { oneOff: bigint; recurring: bigint }; otherCurrencies: { currency: string; count: number }[] }> {
  const days = await dailySource(db, scope);
  const current = { from: scope.current, to: scope.next };
  const spent = expenses(db, scope)
    .where('t.occurred_at', '>=', startOf(current.from, scope.timeZone))
    .where('t.occurred_at', '<', startOf(current.to, scope.timeZone));
  const query = sql<{ totals: string | null; one_off: string; recurring: string; other_currencies: { currency: string; count: number }[] }>`
    select ${seriesText(db, { ...scope, to: scope.current }, days)} as totals, s.one_off, s.recurring,
      ${otherCurrenciesJson(db, { ...scope, to: scope.next }, days)} as other_currencies
    from (${spent.select([
      sql<string>`coalesce(sum(t.amount) filter (where t.recurring_rule_id is null), 0)::text`.as('one_off'),
      sql<string>`coalesce(sum(t.amount) filter (where t.recurring_rule_id is not null), 0)::text`.as('recurring'),
    ])}) as s`;
  const [row] = await runPrepared(database, db, query.compile(db));
  if (row === undefined) throw new Error('the forecast history statement answered no row');
  return {
    totals: totalsOf(row.totals),
    spent: { oneOff: BigInt(row.one_off), recurring: BigInt(row.recurring) },
    otherCurrencies: row.other_currencies,
  };
}

export interface ScheduledRule {
  id: string;
  amount: bigint;
  frequency: Frequency;
  frequency_interval: number;
  start_date: string;
  end_date: string | null;
  occurrence_count: number | null;
  next_index: number;
  pauses: PauseWindow[];
}

/**
 * The user's active expense rules in the currency (and category) with occurrences still to post,
 * each with its closed pause windows. Dates are read as text, as the recurring module does.
 */
export async function activeExpenseRules(
  database: Database,
  db: FinanceDb,
  params: { userId: string; currency: string; categoryId: string | null },
): Promise<ScheduledRule[]> {
  let query = db
    .selectFrom('recurring_rules as r')
    .select([
      'r.id',
      'r.amount',
      'r.frequency',
      'r.frequency_interval',
      sql<string>`r.start_date::text`.as('start_date'),
      sql<string | null>`r.end_date::text`.as('end_date'),
      'r.occurrence_count',
      'r.next_index',
    ])
    .where('r.user_id', '=', params.userId)
    .where('r.type', '=', 'expense')
    .where('r.currency', '=', params.currency)
    .where('r.paused', '=', false)
    .where('r.next_date', 'is not', null);
  if (params.categoryId !== null) query = query.where('r.category_id', '=', params.categoryId);
  const rules = await runPrepared(database, db, query.orderBy('r.id').compile());
  if (rules.length === 0) return [];
  const pauses = await db
    .selectFrom('recurring_pauses')
    .select(['rule_id', sql<string>`paused_on::text`.as('pausedOn'), sql<string>`resumed_on::text`.as('resumedOn')])
    .where(
      'rule_id',
      'in',
      rules.map((r) => r.id),
    )
    .where('resumed_on', 'is not', null)
    .orderBy('paused_on')
    .execute();
  return rules.map((rule) => ({ ...rule, pauses: pauses.filter((p) => p.rule_id === rule.id).map(({ pausedOn, resumedOn }) => ({ pausedOn, resumedOn })) }));
}
