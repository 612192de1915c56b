import { sql, type RawBuilder } from 'kysely';
import type { IsoDate } from '@expensio/common';
import type { FinanceDb } from '../db.js';

/** The instant a calendar day starts in the zone (DST-aware: PostgreSQL reads the zone's rules). */
export function localMidnight(day: IsoDate, timeZone: string): RawBuilder<Date> {
  return sql<Date>`(${day}::date::timestamp at time zone ${timeZone})`;
}

/** The wall-clock time of a transaction in the zone, for day, weekday, hour and bucket arithmetic. */
export function localTime(timeZone: string, column = 't.occurred_at'): RawBuilder<Date> {
  return sql<Date>`(${sql.ref(column)} at time zone ${timeZone})`;
}

/**
 * How many income and expense transactions in the range are in a currency other than the one
 * answered in (transfers too when `withTransfers`), so the answer can say what it left out.
 */
export async function otherCurrencies(
  db: FinanceDb,
  params: { userId: string; currency: string; from: IsoDate; to: IsoDate; timeZone: string; withTransfers?: boolean; types?: ('income' | 'expense')[] },
): Promise<{ currency: string; count: number }[]> {
  let query = db
    .selectFrom('transactions as t')
    .select(['t.currency', sql<number>`count(*)::int`.as('count')])
    .where('t.user_id', '=', params.userId)
    .where('t.currency', '<>', params.currency)
    .where('t.occurred_at', '>=', localMidnight(params.from, params.timeZone))
    .where('t.occurred_at', '<', localMidnight(params.to, params.timeZone));
  if (params.withTransfers !== true) query = query.where('t.type', 'in', params.types ?? ['income', 'expense']);
  return query.groupBy('t.currency').orderBy('t.currency').execute();
}
