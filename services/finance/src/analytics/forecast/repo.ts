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
): Promise<{
  totals: bigint[];
  spent: { oneOff: bigint; recurring: bigint };
  otherCurrencies: { currency: string; count: number }[];
  rules: ScheduledRule[];
}> {
  const days = await dailySource(db, scope);
  const current = { from: scope.current, to: scope.next };
  const spent = expenses(db, scope)
    .where('t.occurred_at', '>=', startOf(current.from, scope.timeZone))
    .where('t.occurred_at', '<', startOf(current.to, scope.timeZone));
  const query = sql<{
    totals: string | null;
    one_off: string;
    recurring: string;
    other_currencies: { currency: string; count: number }[];
    rules: RuleJson[];
  }>`
    select ${seriesText(db, { ...scope, to: scope.current }, days)} as totals, s.one_off, s.recurring,
      ${otherCurrenciesJson(db, { ...scope, to: scope.next }, days)} as other_currencies,
      ${activeExpenseRulesJson(db, scope)} as rules
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
    rules: row.rules.map((rule) => ({ ...rule, amount: BigInt(rule.amount) })),
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

/** A rule as the history statement sends it: JSON, with the amount as text so it stays exact. */
interface RuleJson extends Omit<ScheduledRule, 'amount'> {
  amount: string;
}

/**
 * The user's active expense rules in the currency (and category) with occurrences still to post,
 * each with its closed pause windows, as one JSON array: a column of the history statement rather
 * than two more round trips. Dates are text, as the recurring module reads them.
 */
function activeExpenseRulesJson(db: FinanceDb, scope: SpendingScope): RawBuilder<RuleJson[]> {
  const pauses = db
    .selectFrom('recurring_pauses as p')
    .select(
      sql`coalesce(json_agg(json_build_object('pausedOn', p.paused_on::text, 'resumedOn', p.resumed_on::text) order by p.paused_on), '[]'::json)`.as('pauses'),
    )
    .where(sql<boolean>`p.rule_id = r.id`)
    .where('p.resumed_on', 'is not', null);
  let rules = db
    .selectFrom('recurring_rules as r')
    .select(
      sql`coalesce(json_agg(json_build_object(
        'id', r.id, 'amount', r.amount::text, 'frequency', r.frequency, 'frequency_interval', r.frequency_interval,
        'start_date', r.start_date::text, 'end_date', r.end_date::text, 'occurrence_count', r.occurrence_count,
        'next_index', r.next_index, 'pauses', (${pauses})) order by r.id), '[]'::json)`.as('rules'),
    )
    .where('r.user_id', '=', scope.userId)
    .where('r.type', '=', 'expense')
    .where('r.currency', '=', scope.currency)
    .where('r.paused', '=', false)
    .where('r.next_date', 'is not', null);
  if (scope.categoryId !== null) rules = rules.where('r.category_id', '=', scope.categoryId);
  return sql<RuleJson[]>`(${rules})`;
}
