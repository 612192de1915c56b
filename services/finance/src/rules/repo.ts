import { sql, type Selectable } from 'kysely';
import type { FinanceDb, RulesTable } from '../db.js';
import type { TransactionRow } from '../transactions/repo.js';
import type { Condition } from './conditions.js';

export type RuleRow = Selectable<RulesTable> & { category_slug: string | null; category_kind: 'expense' | 'income' | 'any' | null };

function selectRules(db: FinanceDb) {
  return db
    .selectFrom('rules as r')
    .leftJoin('categories as c', 'c.id', 'r.category_id')
    .selectAll('r')
    .select(['c.slug as category_slug', 'c.kind as category_kind']);
}

/** The user's rules in position order: what a write applies and what the list shows. */
export async function listRules(db: FinanceDb, userId: string): Promise<RuleRow[]> {
  return selectRules(db).where('r.user_id', '=', userId).orderBy('r.position').execute();
}

export async function findRule(db: FinanceDb, params: { userId: string; id: string }): Promise<RuleRow | undefined> {
  return selectRules(db).where('r.user_id', '=', params.userId).where('r.id', '=', params.id).executeTakeFirst();
}

/**
 * Serialises changes to one user's list (positions shift together) until the transaction ends,
 * even when the list is empty and there is no row to lock.
 */
export async function lockRuleList(db: FinanceDb, userId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`finance.rules:${userId}`}, 0))`.execute(db);
}

export async function countRules(db: FinanceDb, userId: string): Promise<number> {
  const row = await db
    .selectFrom('rules')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface RuleValues {
  name: string;
  conditions: Condition[];
  category_id: string | null;
  merchant: string | null;
  add_tags: string[];
  transfer_account_id: string | null;
}

/** Opens a place at `position` by moving it and every later rule one down. */
export async function openPosition(db: FinanceDb, params: { userId: string; position: number }): Promise<void> {
  await db
    .updateTable('rules')
    .set((eb) => ({ position: eb('position', '+', 1) }))
    .where('user_id', '=', params.userId)
    .where('position', '>=', params.position)
    .execute();
}

/** Closes the gap a removed rule left at `position`. */
export async function closePosition(db: FinanceDb, params: { userId: string; position: number }): Promise<void> {
  await db
    .updateTable('rules')
    .set((eb) => ({ position: eb('position', '-', 1) }))
    .where('user_id', '=', params.userId)
    .where('position', '>', params.position)
    .execute();
}

/** Moves one rule from `from` to `to`, shifting the rules between by one (unique again at commit). */
export async function moveRule(db: FinanceDb, params: { userId: string; id: string; from: number; to: number }): Promise<void> {
  const { from, to } = params;
  if (from === to) return;
  await db
    .updateTable('rules')
    .set({ position: sql<number>`case when id = ${params.id} then ${to}::int when ${to}::int < ${from}::int then position + 1 else position - 1 end` })
    .where('user_id', '=', params.userId)
    .where('position', '>=', Math.min(from, to))
    .where('position', '<=', Math.max(from, to))
    .execute();
}

export async function insertRule(db: FinanceDb, params: { id: string; userId: string; position: number; values: RuleValues; now: Date }): Promise<void> {
  const { values } = params;
  await db
    .insertInto('rules')
    .values({
      id: params.id,
      user_id: params.userId,
      position: params.position,
      name: values.name,
      conditions: JSON.stringify(values.conditions),
      category_id: values.category_id,
      merchant: values.merchant,
      add_tags: values.add_tags,
      transfer_account_id: values.transfer_account_id,
      created_at: params.now,
      updated_at: params.now,
    })
    .execute();
}

export async function updateRule(db: FinanceDb, params: { userId: string; id: string; values: Partial<RuleValues>; now: Date }): Promise<void> {
  const { conditions, ...rest } = params.values;
  await db
    .updateTable('rules')
    .set({ ...rest, ...(conditions !== undefined && { conditions: JSON.stringify(conditions) }), updated_at: params.now })
    .where('user_id', '=', params.userId)
    .where('id', '=', params.id)
    .execute();
}

export async function deleteRule(db: FinanceDb, params: { userId: string; id: string }): Promise<void> {
  await db.deleteFrom('rules').where('user_id', '=', params.userId).where('id', '=', params.id).execute();
}

/**
 * One page of the user's income and expenses, by id, for applying a rule to what is already
 * recorded: a rule's regular expression runs in Node, so the rows come to it a page at a time.
 */
export async function transactionsPage(
  db: FinanceDb,
  params: { userId: string; after: string | null; limit: number; accountId?: string | undefined; type?: string | undefined },
): Promise<TransactionRow[]> {
  let query = db
    .selectFrom('transactions as t')
    .leftJoin('categories as c', 'c.id', 't.category_id')
    .selectAll('t')
    .select('c.slug as category_slug')
    .where('t.user_id', '=', params.userId)
    .where('t.type', 'in', params.type === 'income' || params.type === 'expense' ? [params.type] : ['income', 'expense']);
  if (params.accountId !== undefined) query = query.where('t.account_id', '=', params.accountId);
  if (params.after !== null) query = query.where('t.id', '>', params.after);
  return query.orderBy('t.id').limit(params.limit).execute();
}
