import { sql, type Selectable, type Updateable } from 'kysely';
import { encodeCursor, page, pastCursor, type TimeCursor } from '@expensio/common';
import type { FinanceDb, TransactionMoodsTable } from '../db.js';

export type MoodRow = Selectable<TransactionMoodsTable>;

/** The new row's id, or undefined when the transaction already has a mood. */
export async function insertMood(db: FinanceDb, row: MoodRow): Promise<string | undefined> {
  const inserted = await db
    .insertInto('transaction_moods')
    .values(row)
    .onConflict((oc) => oc.column('transaction_id').doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted?.id;
}

export async function findMood(db: FinanceDb, params: { userId: string; id: string }): Promise<MoodRow | undefined> {
  return db.selectFrom('transaction_moods').selectAll().where('user_id', '=', params.userId).where('id', '=', params.id).executeTakeFirst();
}

export async function findMoodOfTransaction(db: FinanceDb, params: { userId: string; transactionId: string }): Promise<MoodRow | undefined> {
  return db
    .selectFrom('transaction_moods')
    .selectAll()
    .where('user_id', '=', params.userId)
    .where('transaction_id', '=', params.transactionId)
    .executeTakeFirst();
}

/** Newest first, paged by keyset on (created_at, id). */
export async function listMoods(
  db: FinanceDb,
  params: { userId: string; mood?: MoodRow['mood'] | undefined; transactionId?: string | undefined; cursor?: TimeCursor | undefined; limit: number },
) {
  let query = db.selectFrom('transaction_moods').selectAll().where('user_id', '=', params.userId);
  if (params.mood) query = query.where('mood', '=', params.mood);
  if (params.transactionId) query = query.where('transaction_id', '=', params.transactionId);
  if (params.cursor) {
    const { at, id } = params.cursor;
    query = query.where((eb) => pastCursor(eb, ['created_at', 'id'], [at, id]));
  }
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(params.limit + 1)
    .execute();
  return page(rows, params.limit, (last) => encodeCursor({ at: last.created_at, id: last.id }));
}

export async function updateMood(
  db: FinanceDb,
  params: { userId: string; id: string; changes: Updateable<TransactionMoodsTable>; now: Date },
): Promise<MoodRow | undefined> {
  return db
    .updateTable('transaction_moods')
    .set({ ...params.changes, updated_at: params.now })
    .where('user_id', '=', params.userId)
    .where('id', '=', params.id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteMood(db: FinanceDb, params: { userId: string; id: string }): Promise<number> {
  const result = await db.deleteFrom('transaction_moods').where('user_id', '=', params.userId).where('id', '=', params.id).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Per mood and currency, the expenses carrying it: count, exact total and the average rounded half
 * up to the minor unit, all in SQL. div(2·sum + n, 2·n) is floor(sum / n + 1/2) for positive sums.
 */
export async function moodInsights(db: FinanceDb, params: { userId: string; from?: Date | undefined; to?: Date | undefined; currency?: string | undefined }) {
  let query = db
    .selectFrom('transaction_moods as m')
    .innerJoin('transactions as t', 't.id', 'm.transaction_id')
    .select([
      'm.mood',
      't.currency',
      sql<number>`count(*)::int`.as('count'),
      sql<bigint>`sum(t.amount)::bigint`.as('total'),
      sql<bigint>`div(2 * sum(t.amount) + count(*), 2 * count(*))::bigint`.as('average'),
    ])
    .where('m.user_id', '=', params.userId)
    .where('t.user_id', '=', params.userId)
    .where('t.type', '=', 'expense');
  if (params.from) query = query.where('t.occurred_at', '>=', params.from);
  if (params.to) query = query.where('t.occurred_at', '<', params.to);
  if (params.currency) query = query.where('t.currency', '=', params.currency);
  return query
    .groupBy(['m.mood', 't.currency'])
    .orderBy('t.currency')
    .orderBy(sql`sum(t.amount)`, 'desc')
    .orderBy('m.mood')
    .execute();
}
