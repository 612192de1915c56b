import { sql } from 'kysely';
import type { FinanceDb } from '../db.js';
import type { TransactionRow } from '../transactions/repo.js';

/** How far apart (either way) the two legs of a transfer found in bank data may be booked. */
export const LINK_WINDOW_DAYS = 5;
const window = sql.raw(`interval '${LINK_WINDOW_DAYS} days'`);

/** Transactions read as the API shows them (with their category's slug). */
function transactionRows(db: FinanceDb) {
  return db.selectFrom('transactions as t').leftJoin('categories as c', 'c.id', 't.category_id').selectAll('t').select('c.slug as category_slug');
}

/**
 * The user's transactions with these ids, locked until the transaction ends (in id order, so two
 * requests locking the same pair cannot deadlock). A row read after its lock is the committed one:
 * a concurrent link that got there first shows as a transfer_id.
 */
export async function lockTransactions(db: FinanceDb, params: { userId: string; ids: string[] }): Promise<TransactionRow[]> {
  return transactionRows(db).where('t.user_id', '=', params.userId).where('t.id', 'in', params.ids).orderBy('t.id').forUpdate('t').execute();
}

/** Makes a recorded income or expense one leg of a transfer: its type follows, its category goes. */
export async function makeLeg(db: FinanceDb, params: { userId: string; id: string; type: 'transfer_in' | 'transfer_out'; transferId: string; now: Date }) {
  await db
    .updateTable('transactions')
    .set({ type: params.type, transfer_id: params.transferId, category_id: null, updated_at: params.now })
    .where('user_id', '=', params.userId)
    .where('id', '=', params.id)
    .where('transfer_id', 'is', null)
    .execute();
}

/** Makes a leg an ordinary income or expense again: no transfer, and (as a leg had) no category. */
export async function unmakeLeg(db: FinanceDb, params: { userId: string; id: string; type: 'income' | 'expense'; now: Date }) {
  await db
    .updateTable('transactions')
    .set({ type: params.type, transfer_id: null, category_id: null, updated_at: params.now })
    .where('user_id', '=', params.userId)
    .where('id', '=', params.id)
    .execute();
}

/** Both legs of one of the user's transfers, locked (in id order) until the transaction ends. */
export async function lockTransfer(db: FinanceDb, params: { userId: string; transferId: string }): Promise<TransactionRow[]> {
  return transactionRows(db).where('t.user_id', '=', params.userId).where('t.transfer_id', '=', params.transferId).orderBy('t.id').forUpdate('t').execute();
}

/** The legs of these transfers other than the rows named (locked). */
export async function otherLegs(db: FinanceDb, params: { userId: string; transferIds: string[]; exceptIds: string[] }): Promise<TransactionRow[]> {
  if (params.transferIds.length === 0) return [];
  return transactionRows(db)
    .where('t.user_id', '=', params.userId)
    .where('t.transfer_id', 'in', params.transferIds)
    .where('t.id', 'not in', params.exceptIds)
    .orderBy('t.id')
    .forUpdate('t')
    .execute();
}

/** Where a page of candidates stopped: the distance of its last pair, then the pair's ids. */
export interface CandidateCursor {
  gapMs: string;
  expenseId: string;
  incomeId: string;
}

export interface CandidatePair {
  expense_id: string;
  income_id: string;
  gap_ms: string;
}

// Milliseconds between the legs: an integer, so paging compares exactly what it ordered by.
const gap = sql<string>`abs(round(extract(epoch from (i.occurred_at - o.occurred_at)) * 1000))::bigint`;

/**
 * Pairs that look like the two legs of one transfer: an expense in one account and an income of
 * the same amount and currency in another of the user's accounts, booked within the window either
 * way; neither is a transfer already (legs are never income or expense). Closest first.
 */
export async function transferCandidates(
  db: FinanceDb,
  params: { userId: string; accountId?: string | undefined; cursor?: CandidateCursor | undefined; limit: number },
): Promise<CandidatePair[]> {
  let query = db
    .selectFrom('transactions as o')
    .innerJoin('transactions as i', (join) =>
      join
        .onRef('i.user_id', '=', 'o.user_id')
        .onRef('i.currency', '=', 'o.currency')
        .onRef('i.amount', '=', 'o.amount')
        .on('i.type', '=', 'income')
        .onRef('i.account_id', '<>', 'o.account_id')
        .on(sql<boolean>`i.occurred_at between o.occurred_at - ${window} and o.occurred_at + ${window}`),
    )
    .select(['o.id as expense_id', 'i.id as income_id', sql<string>`${gap}::text`.as('gap_ms')])
    .where('o.user_id', '=', params.userId)
    .where('o.type', '=', 'expense');
  if (params.accountId !== undefined) {
    const accountId = params.accountId;
    query = query.where((eb) => eb.or([eb('o.account_id', '=', accountId), eb('i.account_id', '=', accountId)]));
  }
  if (params.cursor !== undefined) {
    const { gapMs, expenseId, incomeId } = params.cursor;
    query = query.where(sql<boolean>`(${gap}, o.id, i.id) > (${gapMs}::bigint, ${expenseId}::uuid, ${incomeId}::uuid)`);
  }
  return query
    .orderBy(gap)
    .orderBy('o.id')
    .orderBy('i.id')
    .limit(params.limit + 1)
    .execute();
}

/**
 * The income or expense in an account that could be the other leg of a transaction (the opposite
 * type, same currency and amount, within the window, not a transfer), closest in time first; locked.
 */
export async function findLinkable(
  db: FinanceDb,
  params: { userId: string; accountId: string; type: 'income' | 'expense'; currency: string; amount: bigint; occurredAt: Date },
): Promise<(TransactionRow & { type: 'income' | 'expense' }) | undefined> {
  const at = params.occurredAt.toISOString();
  const row = await db
    .selectFrom('transactions as t')
    .leftJoin('categories as c', 'c.id', 't.category_id')
    .selectAll('t')
    .select('c.slug as category_slug')
    .where('t.user_id', '=', params.userId)
    .where('t.account_id', '=', params.accountId)
    .where('t.type', '=', params.type)
    .where('t.currency', '=', params.currency)
    .where('t.amount', '=', params.amount)
    .where(sql<boolean>`t.occurred_at between ${at}::timestamptz - ${window} and ${at}::timestamptz + ${window}`)
    .orderBy(sql`abs(extract(epoch from (t.occurred_at - ${at}::timestamptz)))`)
    .orderBy('t.id')
    .limit(1)
    .forUpdate('t')
    .executeTakeFirst();
  return row as (TransactionRow & { type: 'income' | 'expense' }) | undefined;
}
