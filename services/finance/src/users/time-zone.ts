import { sql, type RawBuilder } from 'kysely';
import { DEFAULT_TIME_ZONE, dateInZone, fieldError, isCalendarDate, isTimeZone, startOfDayInZone, utcDate, type IsoDate } from '@expensio/common';
import { FINANCE_SCHEMA, type FinanceDb } from '../db.js';

/**
 * The user's IANA time zone: the zone whose days, weeks, months and years every period of
 * theirs is counted in (budgets, summaries, recurring dates, analytics). Identity owns the
 * setting; finance keeps the last value its events announced. A user finance has heard nothing
 * about (finance running alone, or events still in flight) counts in UTC.
 */
export async function userTimeZone(db: FinanceDb, userId: string): Promise<string> {
  const row = await db.selectFrom('user_time_zones').select('time_zone').where('user_id', '=', userId).executeTakeFirst();
  return row?.time_zone ?? DEFAULT_TIME_ZONE;
}

/** The calendar day it is for this user at `now`, in their zone: "today" for deadlines, due dates and payments. */
export async function userToday(db: FinanceDb, userId: string, now: Date): Promise<IsoDate> {
  return dateInZone(now, await userTimeZone(db, userId));
}

/** PostgreSQL's zone database may be older than the runtime's: both must know a zone that periods are cut in. */
async function databaseKnowsZone(db: FinanceDb, timeZone: string): Promise<boolean> {
  const found = await sql<{
    known: boolean;
  }>`select exists (select 1 from pg_catalog.pg_timezone_names where lower(name) = lower(${timeZone})) as known`.execute(db);
  return found.rows[0]?.known === true;
}

/**
 * Records a zone identity announced at `changedAt`. Events may arrive out of order (a redelivery),
 * so an announcement older than the one kept changes nothing. Returns false for a name this
 * runtime or the database does not know, which is kept out: every period query would fail on it.
 */
export async function recordUserTimeZone(db: FinanceDb, params: { userId: string; timeZone: string; changedAt: Date }): Promise<boolean> {
  if (!isTimeZone(params.timeZone) || !(await databaseKnowsZone(db, params.timeZone))) return false;
  await db
    .insertInto('user_time_zones')
    .values({ user_id: params.userId, time_zone: params.timeZone, changed_at: params.changedAt })
    .onConflict((oc) =>
      oc
        .column('user_id')
        .doUpdateSet((eb) => ({ time_zone: eb.ref('excluded.time_zone'), changed_at: eb.ref('excluded.changed_at') }))
        .whereRef('user_time_zones.changed_at', '<=', 'excluded.changed_at'),
    )
    .execute();
  return true;
}

/**
 * The instant an input names for this user: a date-time by its own offset, a date alone
 * ("2026-11-30") as that day's midnight in the user's zone (looked up only then).
 */
export async function instantForUser(db: FinanceDb, userId: string, value: string): Promise<Date> {
  return isCalendarDate(value) ? startOfDayInZone(value, await userTimeZone(db, userId)) : new Date(value);
}

/**
 * A `from` (inclusive) and `to` (exclusive) pair of instant inputs, each as instantForUser reads it.
 * Only once both are read in the user's zone can they be compared (a date alone is that zone's
 * midnight), so the check is here rather than in the query schema: a `to` not after `from` names
 * an empty or reversed range, a 400 naming `to`, as the analytics ranges answer it.
 */
export async function instantRangeForUser(
  db: FinanceDb,
  userId: string,
  range: { from?: string | undefined; to?: string | undefined },
): Promise<{ from: Date | undefined; to: Date | undefined }> {
  const from = range.from === undefined ? undefined : await instantForUser(db, userId, range.from);
  const to = range.to === undefined ? undefined : await instantForUser(db, userId, range.to);
  if (from !== undefined && to !== undefined && to <= from) throw fieldError('to', 'must be after from (to is exclusive)', 'invalid_range', 'querystring');
  return { from, to };
}

const zonesTable = sql.table(`${FINANCE_SCHEMA}.user_time_zones`);

/**
 * The same zone inside one statement over many users' rows (raw SQL names the schema itself):
 * the day it is now for the user in `userIdColumn`, as a SQL date.
 */
export function userTodaySql(userIdColumn: string, now: Date): RawBuilder<string> {
  const zone = sql`coalesce((select z.time_zone from ${zonesTable} z where z.user_id = ${sql.ref(userIdColumn)}), ${DEFAULT_TIME_ZONE}::text)`;
  return sql<string>`(${now}::timestamptz at time zone ${zone})::date`;
}

/** The latest calendar day anywhere on Earth at `now` (UTC+14): no user's today is later. */
export function latestTodayOnEarth(now: Date): IsoDate {
  return utcDate(new Date(now.getTime() + 14 * 60 * 60 * 1000));
}
