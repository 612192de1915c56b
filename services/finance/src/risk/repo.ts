import { sql, type RawBuilder } from 'kysely';
import type { Database } from '@expensio/common';
import { FINANCE_SCHEMA, type FinanceDb } from '../db.js';
import { PreparedStatement, Slot, slotOf } from '../shared/prepared.js';
import { totalLessons, type Lesson } from './lessons.js';
import type { AmountSample, Place, RecentCharge, RecentCharges, RiskHistory } from './score.js';
import { RISK } from './weights.js';

// Raw SQL is not rewritten by withSchema, so the statements name the schema themselves.
const table = (name: string) => sql.table(`${FINANCE_SCHEMA}.${name}`);

/** At most this many recent charges are read for the windows (a burst past it is already obvious). */
const RECENT_LIMIT = 200;

export interface HistoryRow {
  category: { seen: number; recent: string[] } | null;
  all_expenses: { seen: number; recent: string[] } | null;
  payee: { seen: number; recent: string[] } | null;
  profile: { expenses: number; located: number; firstAt: string; hours: number[] } | null;
  country_known: boolean;
  city_known: boolean;
  recent: EncodedCharges | string;
}

/**
 * The recent charges as historyColumns sends them: one JSON array per field, which PostgreSQL
 * builds and JSON.parse reads far faster than an object per charge with a timestamp to parse.
 */
interface EncodedCharges {
  at: number[];
  /** Decimal text: a bigint can pass what a JSON number holds exactly. */
  amount: string[];
  payee: (string | null)[];
}

const sample = (value: { seen: number; recent: string[] } | null): AmountSample | null =>
  value === null ? null : { seen: value.seen, recent: value.recent.map((a) => BigInt(a)) };

export function toRecent(encoded: EncodedCharges): RecentCharges {
  return { at: encoded.at, amount: encoded.amount.map((a) => BigInt(a)), payee: encoded.payee };
}

/** The expressions a history read compares with: values, or columns of a statement that holds it. */
export interface HistoryTerms {
  userId: RawBuilder<unknown>;
  currency: RawBuilder<unknown>;
  scope: RawBuilder<unknown>;
  /** The payee key, '' for none. */
  payee: RawBuilder<unknown>;
  /** '' for an unknown place. */
  country: RawBuilder<unknown>;
  city: RawBuilder<unknown>;
  from: RawBuilder<unknown>;
  to: RawBuilder<unknown>;
  excludeId: RawBuilder<unknown>;
}

/**
 * Everything scoring one transaction needs, as the columns of one select: a handful of
 * primary-key reads of the baseline and the user's expenses inside [from, to] through
 * (user_id, occurred_at). Charges marked as fraud are not the user's behaviour and are left out.
 * The recent charges come newest first (the duplicate signal names the latest twin), their times
 * as epoch milliseconds floored as a JavaScript Date reads a timestamp.
 */
export function historyColumns(h: HistoryTerms): RawBuilder<HistoryRow> {
  return sql<HistoryRow>`
      (select json_build_object('seen', seen, 'recent', recent::text[]) from ${table('risk_amounts')}
        where user_id = ${h.userId} and currency = ${h.currency} and scope = ${h.scope}) as category,
      (select json_build_object('seen', seen, 'recent', recent::text[]) from ${table('risk_amounts')}
        where user_id = ${h.userId} and currency = ${h.currency} and scope = 'all') as all_expenses,
      (select json_build_object('seen', seen, 'recent', recent::text[]) from ${table('risk_merchants')}
        where user_id = ${h.userId} and merchant = ${h.payee}) as payee,
      (select json_build_object('expenses', expenses, 'located', located, 'firstAt', first_at, 'hours', hours) from ${table('risk_profiles')}
        where user_id = ${h.userId}) as profile,
      exists (select 1 from ${table('risk_locations')} where user_id = ${h.userId} and country = ${h.country}) as country_known,
      exists (select 1 from ${table('risk_locations')} where user_id = ${h.userId} and country = ${h.country}
        and city = ${h.city}) as city_known,
      (select json_build_object(
          'at', coalesce(json_agg(floor(extract(epoch from r.occurred_at) * 1000)::bigint), '[]'),
          'amount', coalesce(json_agg(r.amount::text), '[]'),
          'payee', coalesce(json_agg(r.payee), '[]')) from (
        select occurred_at, amount, coalesce(merchant, description) as payee from ${table('transactions')}
        where user_id = ${h.userId} and type = 'expense' and occurred_at >= ${h.from}
          and occurred_at <= ${h.to} and id <> ${h.excludeId}
          and review_decision is distinct from 'fraud'
        order by occurred_at desc limit ${sql.lit(RECENT_LIMIT)}) r) as recent`;
}

/** The history as scoring reads it, from the columns historyColumns selected. */
export function toHistory(row: HistoryRow): RiskHistory {
  const recent = typeof row.recent === 'string' ? (JSON.parse(row.recent) as EncodedCharges) : row.recent;
  return {
    category: sample(row.category),
    all: sample(row.all_expenses),
    payee: sample(row.payee),
    located: row.profile?.located ?? 0,
    countryKnown: row.country_known,
    cityKnown: row.city_known,
    profile: row.profile === null ? null : { expenses: row.profile.expenses, firstAt: new Date(row.profile.firstAt), hours: row.profile.hours },
    recent: toRecent(recent),
  };
}

/** What a history read is about. */
export interface HistoryParams {
  userId: string;
  currency: string;
  scope: string;
  payee: string | null;
  location: Place | null;
  from: Date;
  to: Date;
  excludeId: string;
}

/** What a history read is about, beyond its user and currency, as a prepared statement's values. */
export interface HistoryValues {
  scope: string;
  payee: string;
  country: string;
  city: string;
  from: Date;
  to: Date;
  excludeId: string;
}

/**
 * historyColumns over slots of a prepared statement whose values include HistoryValues (filled by
 * historyValues); the user and the currency are the statement's own expressions.
 */
export function historySlots(userId: RawBuilder<unknown>, currency: RawBuilder<unknown>): RawBuilder<HistoryRow> {
  const at = (name: keyof HistoryValues, type: string) => slotOf(new Slot<HistoryValues>(name), type);
  return historyColumns({
    userId,
    currency,
    scope: at('scope', 'text'),
    payee: at('payee', 'text'),
    country: at('country', 'text'),
    city: at('city', 'text'),
    from: at('from', 'timestamptz'),
    to: at('to', 'timestamptz'),
    excludeId: at('excludeId', 'uuid'),
  });
}

/** The values historySlots reads, for `params`; placeholders for a statement that reads no history. */
export function historyValues(params: Omit<HistoryParams, 'userId' | 'currency'> | null): HistoryValues {
  return {
    scope: params?.scope ?? '',
    payee: params?.payee ?? '',
    country: params?.location?.country ?? '',
    city: params?.location?.city ?? '',
    from: params?.from ?? new Date(0),
    to: params?.to ?? new Date(0),
    excludeId: params?.excludeId ?? '00000000-0000-0000-0000-000000000000',
  };
}

type ReadValues = HistoryValues & { userId: string; currency: string };

// Prepared, as the create's context statement is: planned for each set of values, a heavy writer's
// read sorted the whole last hour (2,059 rows, 12.6 ms) where the generic plan stops at 200.
const historyStatement = new PreparedStatement<ReadValues>('finance_risk_history', (db) =>
  sql`select ${historySlots(slotOf(new Slot<ReadValues>('userId'), 'uuid'), slotOf(new Slot<ReadValues>('currency'), 'text'))}`.compile(db),
);

export async function readHistory(database: Database, db: FinanceDb, params: HistoryParams): Promise<RiskHistory> {
  const [row] = await historyStatement.run<HistoryRow>(database, db, { userId: params.userId, currency: params.currency, ...historyValues(params) });
  if (row === undefined) throw new Error('the history statement returned no row');
  return toHistory(row);
}

/** The baseline samples of these scopes in a currency, for an import that scores many rows. */
export async function readAmountSamples(db: FinanceDb, params: { userId: string; currency: string }): Promise<Map<string, AmountSample>> {
  const rows = await db
    .selectFrom('risk_amounts')
    .select(['scope', 'seen', sql<string[]>`recent::text[]`.as('recent')])
    .where('user_id', '=', params.userId)
    .where('currency', '=', params.currency)
    .execute();
  return new Map(rows.map((r) => [r.scope, { seen: r.seen, recent: r.recent.map((a) => BigInt(a)) }]));
}

export async function readProfile(db: FinanceDb, userId: string): Promise<(RiskHistory['profile'] & { located: number }) | null> {
  const row = await db.selectFrom('risk_profiles').select(['expenses', 'located', 'first_at', 'hours']).where('user_id', '=', userId).executeTakeFirst();
  return row === undefined ? null : { expenses: row.expenses, located: row.located, firstAt: row.first_at, hours: row.hours };
}

/** The amounts paid before to those of these payees (payee keys) the user has paid. */
export async function payeeSamples(db: FinanceDb, params: { userId: string; payees: string[] }): Promise<Map<string, AmountSample>> {
  if (params.payees.length === 0) return new Map();
  const rows = await db
    .selectFrom('risk_merchants')
    .select(['merchant', 'seen', sql<string[]>`recent::text[]`.as('recent')])
    .where('user_id', '=', params.userId)
    .where('merchant', 'in', params.payees)
    .execute();
  return new Map(rows.map((r) => [r.merchant, { seen: r.seen, recent: r.recent.map((a) => BigInt(a)) }]));
}

/** Overlapping or touching ranges joined, so each stretch of time is read once. */
export function mergeRanges(ranges: readonly (readonly [Date, Date])[]): [Date, Date][] {
  const sorted = [...ranges].sort((a, b) => a[0].getTime() - b[0].getTime());
  const merged: [Date, Date][] = [];
  for (const [from, to] of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && from <= last[1]) {
      if (to > last[1]) last[1] = to;
    } else merged.push([from, to]);
  }
  return merged;
}

/**
 * The user's expenses inside these stretches of time, for an import batch: one statement over
 * (user_id, occurred_at), bounded by the windows around the batch's rows, never the history.
 */
export async function chargesWithin(db: FinanceDb, params: { userId: string; ranges: readonly (readonly [Date, Date])[] }): Promise<RecentCharge[]> {
  const ranges = mergeRanges(params.ranges);
  if (ranges.length === 0) return [];
  const payload = JSON.stringify(ranges.map(([from, to]) => ({ f: from.toISOString(), t: to.toISOString() })));
  const result = await sql<{ o: Date; a: string; p: string | null }>`
    select t.occurred_at as o, t.amount::text as a, coalesce(t.merchant, t.description) as p
    from json_to_recordset(${payload}::json) as v(f timestamptz, t timestamptz)
    join ${table('transactions')} t on t.user_id = ${params.userId}::uuid and t.type = 'expense'
      and t.occurred_at >= v.f and t.occurred_at <= v.t
      and t.review_decision is distinct from 'fraud'
  `.execute(db);
  return result.rows.map((r) => ({ occurredAt: new Date(r.o), amount: BigInt(r.a), payee: r.p }));
}

/** What lessons add to the baseline, as the values of its upserts (JSON texts for the many-row parts). */
export interface LearnValues {
  amounts: string;
  payees: string;
  places: string;
  expenses: number;
  located: number;
  firstAt: Date;
  hours: string;
}

/** The lessons as learnParts' values; null when there is nothing to learn. */
export function learnValues(lessons: readonly Lesson[]): LearnValues | null {
  const totals = totalLessons(lessons);
  if (totals.profile === null) return null;
  const p = totals.profile;
  return {
    amounts: JSON.stringify(totals.amounts.map((a) => ({ c: a.currency, s: a.scope, n: a.seen, r: a.recent.map(String) }))),
    payees: JSON.stringify(totals.payees.map((m) => ({ m: m.merchant, n: m.seen, r: m.recent.map(String) }))),
    places: JSON.stringify(totals.locations.map((l) => ({ c: l.country, t: l.city, n: l.seen }))),
    expenses: p.expenses,
    located: p.located,
    firstAt: p.firstAt,
    hours: `{${p.hours.join(',')}}`,
  };
}

/** What each of the baseline's upserts returns. */
export interface LearnRow {
  '?column?': number;
}

type LearnSlots = { [K in keyof LearnValues | 'userId']: RawBuilder<unknown> };

/**
 * The four upserts that add lessons to the baseline, each a statement a data-modifying CTE can
 * hold: counters grow, the amount samples keep their latest 64. `when` gates them (the create's
 * writer learns only when its row was written).
 */
export function learnParts(v: LearnSlots, when: RawBuilder<boolean> = sql<boolean>`true`) {
  return {
    amounts: sql<LearnRow>`
      insert into ${table('risk_amounts')} as x (user_id, currency, scope, seen, recent)
      select ${v.userId}, j.c, j.s, j.n, j.r from json_to_recordset(${v.amounts}) as j(c text, s text, n int, r bigint[]) where ${when}
      on conflict (user_id, currency, scope) do update set
        seen = x.seen + excluded.seen,
        recent = (x.recent || excluded.recent)[greatest(1, cardinality(x.recent || excluded.recent) - ${sql.lit(RISK.sampleSize - 1)}):]
      returning 1`,
    payees: sql<LearnRow>`
      insert into ${table('risk_merchants')} as x (user_id, merchant, seen, recent)
      select ${v.userId}, j.m, j.n, j.r from json_to_recordset(${v.payees}) as j(m text, n int, r bigint[]) where ${when}
      on conflict (user_id, merchant) do update set
        seen = x.seen + excluded.seen,
        recent = (x.recent || excluded.recent)[greatest(1, cardinality(x.recent || excluded.recent) - ${sql.lit(RISK.merchantSampleSize - 1)}):]
      returning 1`,
    places: sql<LearnRow>`
      insert into ${table('risk_locations')} as x (user_id, country, city, seen)
      select ${v.userId}, j.c, j.t, j.n from json_to_recordset(${v.places}) as j(c text, t text, n int) where ${when}
      on conflict (user_id, country, city) do update set seen = x.seen + excluded.seen
      returning 1`,
    profile: sql<LearnRow>`
      insert into ${table('risk_profiles')} as x (user_id, expenses, located, first_at, hours)
      select ${v.userId}, ${v.expenses}, ${v.located}, ${v.firstAt}, ${v.hours} where ${when}
      on conflict (user_id) do update set
        expenses = x.expenses + excluded.expenses,
        located = x.located + excluded.located,
        first_at = least(x.first_at, excluded.first_at),
        hours = array(select u.a + u.b from unnest(x.hours, excluded.hours) with ordinality as u(a, b, i) order by u.i)
      returning 1`,
  };
}

/** The values typed as the upserts read them, for a statement that sends them as they are. */
export function learnSlots(userId: unknown, v: { [K in keyof LearnValues]: unknown }): LearnSlots {
  return {
    userId: sql`${userId}::uuid`,
    amounts: sql`${v.amounts}::json`,
    payees: sql`${v.payees}::json`,
    places: sql`${v.places}::json`,
    expenses: sql`${v.expenses}::int`,
    located: sql`${v.located}::int`,
    firstAt: sql`${v.firstAt}::timestamptz`,
    hours: sql`${v.hours}::int[]`,
  };
}

/** Adds what these expenses teach to the user's baseline, in one statement. */
export async function learn(db: FinanceDb, userId: string, lessons: readonly Lesson[]): Promise<void> {
  const values = learnValues(lessons);
  if (values === null) return;
  const parts = learnParts(learnSlots(userId, { ...values, firstAt: values.firstAt.toISOString() }));
  await sql`with amounts as (${parts.amounts}), payees as (${parts.payees}), places as (${parts.places}) ${parts.profile}`.execute(db);
}
