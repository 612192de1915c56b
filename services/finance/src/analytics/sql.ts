import { createHash } from 'node:crypto';
import { sql, type CompiledQuery, type RawBuilder } from 'kysely';
import { currencyExponent, type Database, type IsoDate } from '@expensio/common';
import { FINANCE_SCHEMA, type FinanceDb } from '../db.js';
import { userTimeZone } from '../users/time-zone.js';

const dayTotalsTable = sql.table(`${FINANCE_SCHEMA}.transaction_day_totals`);
const transactionsTable = sql.table(`${FINANCE_SCHEMA}.transactions`);

/** The instant a calendar day starts in the zone (DST-aware: PostgreSQL reads the zone's rules). */
export function localMidnight(day: IsoDate, timeZone: string): RawBuilder<Date> {
  return sql<Date>`(${day}::date::timestamp at time zone ${timeZone})`;
}

/** The wall-clock time of a transaction in the zone, for day, weekday, hour and bucket arithmetic. */
export function localTime(timeZone: string, column = 't.occurred_at'): RawBuilder<Date> {
  return sql<Date>`(${sql.ref(column)} at time zone ${timeZone})`;
}

/**
 * A subquery of the user's transactions summed per local day: `day`, `account_id`, `currency`,
 * `type`, `recurring` (posted by a recurring rule), `amount` and `count`. The triggers keep these
 * totals in the user's own zone (ADR 0024), which is the zone every route asks in; asked in another
 * zone, the same columns come from the rows themselves (one per transaction, count 1). `userZone`:
 * the user's zone when the caller has just read it.
 */
export async function dayTotals(db: FinanceDb, userId: string, timeZone: string, userZone?: string): Promise<RawBuilder<unknown>> {
  // A caller that has just read the user's zone passes it (`userZone`), saving a round trip.
  if ((userZone ?? (await userTimeZone(db, userId))) === timeZone) {
    return sql`(select d.day, d.account_id, d.currency, d.type, d.recurring, d.amount, d.count from ${dayTotalsTable} d where d.user_id = ${userId})`;
  }
  return sql`(select (t.occurred_at at time zone ${timeZone})::date as day, t.account_id, t.currency, t.type, t.recurring_rule_id is not null as recurring,
    t.amount, 1 as count from ${transactionsTable} t where t.user_id = ${userId})`;
}

/**
 * How many income and expense transactions in the range are in a currency other than the one
 * answered in (transfers too when `withTransfers`), so the answer can say what it left out.
 * Counted from the day totals.
 */
export async function otherCurrencies(
  db: FinanceDb,
  params: {
    userId: string;
    currency: string;
    from: IsoDate;
    to: IsoDate;
    timeZone: string;
    withTransfers?: boolean;
    types?: ('income' | 'expense')[];
    /** The day totals when the caller already has them (dayTotals). */
    days?: RawBuilder<unknown>;
  },
): Promise<{ currency: string; count: number }[]> {
  const types = params.withTransfers === true ? sql`` : sql`and d.type in (${sql.join(params.types ?? ['income', 'expense'])})`;
  const { rows } = await sql<{ currency: string; count: number }>`
    select d.currency, sum(d.count)::int as count from ${params.days ?? (await dayTotals(db, params.userId, params.timeZone))} d
    where d.currency <> ${params.currency} and d.day >= ${params.from}::date and d.day < ${params.to}::date ${types}
    group by d.currency order by d.currency`.execute(db);
  return rows;
}

/**
 * Minor units as the decimal string formatAmount writes, computed in SQL: times 10^-exponent as
 * a numeric whose scale is the exponent ("0.01" for USD), so 0 is "0.00" and -5 is "-0.05". A
 * large answer then crosses the wire as the text it is sent as, with nothing to convert in Node.
 */
export function amountText(minor: RawBuilder<unknown>, currency: string): RawBuilder<string> {
  const exponent = currencyExponent(currency);
  return sql<string>`((${minor}) * ${exponent === 0 ? '1' : (10 ** -exponent).toFixed(exponent)}::numeric)::text`;
}

/**
 * Runs a statement as a named prepared statement on PostgreSQL (Database.prepare), named after its
 * text: each pooled connection parses and plans it once, as pgbench -M prepared does with the same
 * SQL (bench/sql). Only for statements whose text takes a few shapes (granularity, scope), with
 * every value a parameter: each distinct text is one name, kept for the life of the process.
 */
export async function runPrepared<R>(database: Database, db: FinanceDb, query: CompiledQuery<R>): Promise<R[]> {
  database.prepare(`analytics_${createHash('sha1').update(query.sql).digest('hex').slice(0, 24)}`, query.sql);
  return (await db.executeQuery<R>(query)).rows;
}
