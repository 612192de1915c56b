import { createHash } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import { encodeCursor, page, pastCursor, type Database, type TimeCursor } from '@expensio/common';
import { FINANCE_SCHEMA, type FinanceDb, type TransactionsTable, type TransactionType } from '../db.js';

export type TransactionRow = Selectable<TransactionsTable> & { category_slug: string | null };

function selectTransactions(db: FinanceDb) {
  return db.selectFrom('transactions as t').leftJoin('categories as c', 'c.id', 't.category_id').selectAll('t').select('c.slug as category_slug');
}

/** The risk and review columns: written by scoring and review, defaulted otherwise. */
type RiskColumns =
  'risk_score' | 'risk_level' | 'risk_reasons' | 'risk_flagged' | 'location_country' | 'location_city' | 'review_decision' | 'review_note' | 'reviewed_at';

export type NewTransaction = Omit<
  Selectable<TransactionsTable>,
  'created_at' | 'updated_at' | 'recurring_rule_id' | 'occurrence_date' | 'import_fingerprint' | RiskColumns
> & {
  recurring_rule_id?: string | null;
  occurrence_date?: string | null;
};

/**
 * Returns how many rows were written: an occurrence of a recurring rule that is already posted is
 * skipped (its unique key), not an error, so racing scheduler instances cannot post it twice.
 */
export async function insertTransactions(db: FinanceDb, rows: NewTransaction[], now: Date): Promise<number> {
  if (rows.length === 0) return 0;
  let query = db.insertInto('transactions').values(rows.map((r) => ({ ...r, created_at: now, updated_at: now })));
  if (rows.some((r) => r.recurring_rule_id != null)) {
    query = query.onConflict((oc) => oc.columns(['recurring_rule_id', 'occurrence_date']).where('recurring_rule_id', 'is not', null).doNothing());
  }
  const result = await query.executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n);
}

export async function findTransaction(db: FinanceDb, params: { userId: string; id: string }): Promise<TransactionRow | undefined> {
  return selectTransactions(db).where('t.user_id', '=', params.userId).where('t.id', '=', params.id).executeTakeFirst();
}

export async function findTransactions(db: FinanceDb, params: { userId: string; ids: string[] }): Promise<TransactionRow[]> {
  if (params.ids.length === 0) return [];
  return selectTransactions(db).where('t.user_id', '=', params.userId).where('t.id', 'in', params.ids).orderBy('t.type').execute();
}

export interface TransactionFilter {
  userId: string;
  from?: Date | undefined;
  to?: Date | undefined;
  types?: TransactionType[] | undefined;
  accountId?: string | undefined;
  categoryId?: string | undefined;
  /** Income and expenses without a category (transfer legs take none). */
  uncategorised?: boolean | undefined;
  tag?: string | undefined;
  merchant?: string | undefined;
  text?: string | undefined;
  currency?: string | undefined;
  minAmount?: bigint | undefined;
  maxAmount?: bigint | undefined;
  /** Only flagged ones (through the partial index of flagged rows). */
  flagged?: boolean | undefined;
  minRisk?: number | undefined;
  /** Of the flagged: `open` not reviewed yet, `reviewed` with a verdict. */
  review?: 'open' | 'reviewed' | 'all' | undefined;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Newest first, paged by keyset on (occurred_at, id): a deep page costs what the first does. */
export async function listTransactions(db: FinanceDb, database: Database, filter: TransactionFilter & { cursor?: TimeCursor | undefined; limit: number }) {
  let query = selectTransactions(db).where('t.user_id', '=', filter.userId);
  if (filter.from) query = query.where('t.occurred_at', '>=', filter.from);
  if (filter.to) query = query.where('t.occurred_at', '<', filter.to);
  if (filter.types) query = query.where('t.type', 'in', filter.types);
  if (filter.accountId) query = query.where('t.account_id', '=', filter.accountId);
  if (filter.categoryId) query = query.where('t.category_id', '=', filter.categoryId);
  if (filter.uncategorised) query = query.where('t.category_id', 'is', null).where('t.type', 'in', ['income', 'expense']);
  if (filter.tag) query = query.where(sql<boolean>`t.tags @> array[${filter.tag}]::text[]`);
  if (filter.merchant) query = query.where('t.merchant', 'ilike', escapeLike(filter.merchant));
  if (filter.text) {
    const pattern = `%${escapeLike(filter.text)}%`;
    query = query.where((eb) => eb.or([eb('t.description', 'ilike', pattern), eb('t.merchant', 'ilike', pattern)]));
  }
  if (filter.currency) query = query.where('t.currency', '=', filter.currency);
  if (filter.minAmount !== undefined) query = query.where('t.amount', '>=', filter.minAmount);
  if (filter.maxAmount !== undefined) query = query.where('t.amount', '<=', filter.maxAmount);
  if (filter.flagged === true) query = query.where(sql<boolean>`t.risk_flagged`);
  if (filter.flagged === false) query = query.where(sql<boolean>`not t.risk_flagged`);
  if (filter.minRisk !== undefined) query = query.where('t.risk_score', '>=', filter.minRisk);
  if (filter.review === 'open') query = query.where('t.review_decision', 'is', null);
  if (filter.review === 'reviewed') query = query.where('t.review_decision', 'is not', null);
  if (filter.cursor) {
    const { at, id } = filter.cursor;
    // Bounds the scan of (user_id, occurred_at desc, id desc); the `or` spelling read 90,000 rows
    // for a page 90,000 deep.
    query = query.where((eb) => pastCursor(eb, ['t.occurred_at', 't.id'], [at, id]));
  }
  const compiled = query
    .orderBy('t.occurred_at', 'desc')
    .orderBy('t.id', 'desc')
    .limit(filter.limit + 1)
    .compile();
  // The text depends only on which filters are present: a handful of prepared statements, named by it.
  const rows = await database.prepared<TransactionRow>(`finance_list_${createHash('sha1').update(compiled.sql).digest('hex').slice(0, 16)}`, compiled);
  return page(rows, filter.limit, (last) => encodeCursor({ at: last.occurred_at, id: last.id }));
}

export async function updateTransaction(
  db: FinanceDb,
  params: { userId: string; id: string; changes: Partial<Omit<NewTransaction, 'id' | 'user_id'>>; now: Date },
) {
  await db
    .updateTable('transactions')
    .set({ ...params.changes, updated_at: params.now })
    .where('user_id', '=', params.userId)
    .where('id', '=', params.id)
    .execute();
}

export type DeletedTransaction = Pick<TransactionRow, 'id' | 'account_id' | 'type' | 'amount' | 'currency' | 'occurred_at'>;

/** Deletes a transaction, or both legs when it is part of a transfer; returns what went. */
export async function deleteTransaction(db: FinanceDb, params: { userId: string; id: string; transferId: string | null }): Promise<DeletedTransaction[]> {
  let query = db.deleteFrom('transactions').where('user_id', '=', params.userId);
  query = params.transferId === null ? query.where('id', '=', params.id) : query.where('transfer_id', '=', params.transferId);
  return query.returning(['id', 'account_id', 'type', 'amount', 'currency', 'occurred_at']).execute();
}

export async function summarise(db: FinanceDb, params: { userId: string; currency: string; from: Date; to: Date }) {
  return db
    .selectFrom('transactions as t')
    .leftJoin('categories as c', 'c.id', 't.category_id')
    .select([
      'c.slug as category',
      'c.name as categoryName',
      sql<bigint>`coalesce(sum(t.amount) filter (where t.type = 'income'), 0)::bigint`.as('income'),
      sql<bigint>`coalesce(sum(t.amount) filter (where t.type = 'expense'), 0)::bigint`.as('expense'),
      sql<number>`count(*)::int`.as('count'),
    ])
    .where('t.user_id', '=', params.userId)
    .where('t.currency', '=', params.currency)
    .where('t.type', 'in', ['income', 'expense'])
    .where('t.occurred_at', '>=', params.from)
    .where('t.occurred_at', '<', params.to)
    .groupBy(['c.slug', 'c.name'])
    .orderBy(sql`coalesce(sum(t.amount) filter (where t.type = 'expense'), 0)`, 'desc')
    .execute();
}

export type FieldValues = Pick<TransactionRow, 'id' | 'category_id' | 'merchant' | 'description' | 'tags'>;

// Raw SQL is not rewritten by withSchema, so the statement names the schema itself.
const transactionsTable = sql.table(`${FINANCE_SCHEMA}.transactions`);

/**
 * Sets category, merchant, description and tags of many of the user's transactions in one
 * statement (each row its own values, sent as one JSON parameter); returns how many were written.
 */
export async function updateTransactionFields(db: FinanceDb, params: { userId: string; now: Date; rows: FieldValues[] }): Promise<number> {
  if (params.rows.length === 0) return 0;
  const payload = JSON.stringify(params.rows.map((r) => ({ i: r.id, c: r.category_id, m: r.merchant, d: r.description, g: r.tags })));
  const result = await sql`
    update ${transactionsTable} t
    set category_id = v.c, merchant = v.m, description = v.d, tags = v.g, updated_at = ${params.now.toISOString()}::timestamptz
    from json_to_recordset(${payload}::json) as v(i uuid, c uuid, m text, d text, g text[])
    where t.user_id = ${params.userId}::uuid and t.id = v.i
  `.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/** The row locked for a review (so two reviews of it run one after the other). */
export async function lockTransaction(db: FinanceDb, params: { userId: string; id: string }): Promise<TransactionRow | undefined> {
  return selectTransactions(db).where('t.user_id', '=', params.userId).where('t.id', '=', params.id).forUpdate('t').executeTakeFirst();
}

export async function recordReview(
  db: FinanceDb,
  params: { userId: string; id: string; decision: 'legitimate' | 'fraud'; note: string | null; now: Date },
): Promise<void> {
  await db
    .updateTable('transactions')
    .set({ review_decision: params.decision, review_note: params.note, reviewed_at: params.now, updated_at: params.now })
    .where('user_id', '=', params.userId)
    .where('id', '=', params.id)
    .execute();
}
