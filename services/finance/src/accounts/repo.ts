import { sql, type Selectable } from 'kysely';
import { newId } from '@expensio/common';
import type { AccountsTable, AccountType, FinanceDb } from '../db.js';

export type AccountRow = Selectable<AccountsTable> & { balance: bigint };

/** A signed amount: what a transaction adds to its account's balance. */
export const signedAmount = sql<bigint>`case when t.type in ('income', 'transfer_in') then t.amount else -t.amount end`;

/**
 * Accounts with their balance computed from the ledger: opening balance plus every transaction,
 * never a stored number that could drift.
 */
function withBalance(db: FinanceDb) {
  return db
    .selectFrom('accounts as a')
    .selectAll('a')
    .select((eb) => {
      const moved = eb.selectFrom('transactions as t').select(sql<bigint>`sum(${signedAmount})`.as('sum')).whereRef('t.account_id', '=', 'a.id');
      return sql<bigint>`a.opening_balance + coalesce((${moved}), 0)::bigint`.as('balance');
    });
}

export async function listAccounts(db: FinanceDb, params: { userId: string; includeArchived: boolean }): Promise<AccountRow[]> {
  let query = withBalance(db).where('a.user_id', '=', params.userId);
  if (!params.includeArchived) query = query.where('a.archived_at', 'is', null);
  return query.orderBy('a.is_default', 'desc').orderBy('a.created_at').orderBy('a.id').execute();
}

export async function findAccount(db: FinanceDb, params: { userId: string; id: string }): Promise<AccountRow | undefined> {
  return withBalance(db).where('a.user_id', '=', params.userId).where('a.id', '=', params.id).executeTakeFirst();
}

export async function findDefaultAccount(db: FinanceDb, userId: string): Promise<AccountRow | undefined> {
  return withBalance(db).where('a.user_id', '=', userId).where('a.is_default', '=', true).executeTakeFirst();
}

/** The account without its balance: what a write needs, without summing the account's history. */
export type AccountRecord = Selectable<AccountsTable>;

export async function findAccountRecord(db: FinanceDb, params: { userId: string; id?: string | undefined }): Promise<AccountRecord | undefined> {
  const query = db.selectFrom('accounts').selectAll().where('user_id', '=', params.userId);
  return (params.id === undefined ? query.where('is_default', '=', true) : query.where('id', '=', params.id)).executeTakeFirst();
}

export async function insertAccount(
  db: FinanceDb,
  params: { userId: string; name: string; type: AccountType; currency: string; openingBalance: bigint; isDefault: boolean; now: Date },
): Promise<string | undefined> {
  const row = await db
    .insertInto('accounts')
    .values({
      id: newId(),
      user_id: params.userId,
      name: params.name,
      type: params.type,
      currency: params.currency,
      opening_balance: params.openingBalance,
      is_default: params.isDefault,
      created_at: params.now,
      updated_at: params.now,
    })
    .onConflict((oc) => oc.column('user_id').where('is_default', '=', true).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}

export async function updateAccount(
  db: FinanceDb,
  params: { userId: string; id: string; changes: Partial<{ name: string; opening_balance: bigint; archived_at: Date | null; is_default: boolean }>; now: Date },
) {
  await db
    .updateTable('accounts')
    .set({ ...params.changes, updated_at: params.now })
    .where('user_id', '=', params.userId)
    .where('id', '=', params.id)
    .execute();
}

export async function clearDefault(db: FinanceDb, params: { userId: string; now: Date }) {
  await db.updateTable('accounts').set({ is_default: false, updated_at: params.now }).where('user_id', '=', params.userId).where('is_default', '=', true).execute();
}

export async function hasTransactions(db: FinanceDb, accountId: string): Promise<boolean> {
  const row = await db.selectFrom('transactions').select('id').where('account_id', '=', accountId).limit(1).executeTakeFirst();
  return row !== undefined;
}

export async function deleteAccount(db: FinanceDb, params: { userId: string; id: string }) {
  await db.deleteFrom('accounts').where('user_id', '=', params.userId).where('id', '=', params.id).execute();
}
