import { sql } from 'kysely';
import type { IsoDate } from '@expensio/common';
import type { FinanceDb, Mood, MoodTrigger } from '../../db.js';
import { localMidnight } from '../sql.js';

export const NEGATIVE_MOODS: readonly Mood[] = ['stressed', 'sad', 'bored', 'anxious', 'regretful'];

export interface MoodParams {
  userId: string;
  currency: string;
  from: IsoDate;
  to: IsoDate;
  timeZone: string;
}

/** The caller's expenses in the range and currency that carry a mood. */
function moodExpenses(db: FinanceDb, p: MoodParams) {
  return db
    .selectFrom('transaction_moods as m')
    .innerJoin('transactions as t', 't.id', 'm.transaction_id')
    .where('m.user_id', '=', p.userId)
    .where('t.user_id', '=', p.userId)
    .where('t.type', '=', 'expense')
    .where('t.currency', '=', p.currency)
    .where('t.occurred_at', '>=', localMidnight(p.from, p.timeZone))
    .where('t.occurred_at', '<', localMidnight(p.to, p.timeZone));
}

const count = sql<number>`count(*)::int`.as('count');
const total = sql<bigint>`sum(t.amount)::bigint`.as('total');
/** Rounded half up to the minor unit: div(2·sum + n, 2·n) is floor(sum / n + 1/2). */
const average = sql<bigint>`div(2 * sum(t.amount) + count(*), 2 * count(*))::bigint`.as('average');

export async function byMood(db: FinanceDb, p: MoodParams) {
  return moodExpenses(db, p)
    .select(['m.mood', count, total, average])
    .groupBy('m.mood')
    .orderBy(sql`sum(t.amount)`, 'desc')
    .orderBy('m.mood')
    .execute();
}

export async function byMoodAndCategory(db: FinanceDb, p: MoodParams) {
  return moodExpenses(db, p)
    .leftJoin('categories as c', 'c.id', 't.category_id')
    .select(['m.mood', 'c.slug as category', 'c.name as name', count, total, average])
    .groupBy(['m.mood', 't.category_id', 'c.slug', 'c.name'])
    .orderBy('m.mood')
    .orderBy(sql`sum(t.amount)`, 'desc')
    .orderBy('c.slug')
    .execute();
}

/** An expense with several triggers counts once under each. A set-returning function aliased `tr` names its one column `tr` too. */
export async function byTrigger(db: FinanceDb, p: MoodParams) {
  return moodExpenses(db, p)
    .innerJoin(sql<{ tr: MoodTrigger }>`unnest(m.triggers)`.as('tr'), (join) => join.onTrue())
    .select([sql<MoodTrigger>`tr.tr`.as('trigger'), count, total, average])
    .groupBy(sql`tr.tr`)
    .orderBy(sql`sum(t.amount)`, 'desc')
    .orderBy(sql`tr.tr`)
    .execute();
}

/** The sample as a whole: its size and amount, the negative moods' amount, and intensity against amount. */
export async function moodSample(db: FinanceDb, p: MoodParams) {
  return moodExpenses(db, p)
    .select([
      count,
      sql<bigint>`coalesce(sum(t.amount), 0)::bigint`.as('total'),
      sql<bigint>`coalesce(sum(t.amount) filter (where m.mood in (${sql.join(NEGATIVE_MOODS)})), 0)::bigint`.as('negative'),
      sql<number>`(count(*) filter (where m.mood in (${sql.join(NEGATIVE_MOODS)})))::int`.as('negative_count'),
      sql<number | null>`corr(m.intensity, t.amount)::float8`.as('correlation'),
    ])
    .executeTakeFirstOrThrow();
}
