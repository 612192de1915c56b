import { sql, type Selectable } from 'kysely';
import { newId } from '@expensio/common';
import type { AccountsTable, AccountType, FinanceDb } from '../db.js';

export type AccountRow = Selectable<AccountsTable> & { balance: bigint; projected_balance: bigint };

/** A signed amount: what a transaction adds to its account's balance. */
export const signedAmount = sql<bigint>`case when t.type in ('income', 'transfer_in') then t.amount else -t.amount end`;

/**
 * Accounts with their balances computed from the ledger, never a stored number that could drift:
 * `balance` is the opening balance plus every transaction up to `asOf` (a post-dated payment has
 * not left the account yet), `projected_balance` with the future-dated ones too. One pass over the
 * account's rows gives both.
 */
function withBalance(db: FinanceDb, asOf: Date) {
  return db
    .selectFrom('accounts as a')
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom('transactions as t')
          .select([
            sql<bigint>`coalesce(sum(${signedAmount}) filter (where t.occurred_at <= ${asOf}), 0)`.as('until_now'),
            sql<bigint>`coalesce(sum(${signedAmount}), 0)`.as('in_all'),
          ])
          .whereRef('t.account_id', '=', 'a.id')
          .as('m'),
      (join) => join.onTrue(),
    )
    .selectAll('a')
    .select([
      sql<bigint>`(a.opening_balance + m.until_now)::bigint`.as('balance'),
      sql<bigint>`(a.opening_balance + m.in_all)::bigint`.as('projected_balance'),
    ]);
}

export async function listAccounts(db: FinanceDb, params: { userId: string; includeArchived: boolean; asOf: Date }): Promise<AccountRow[]> {
  let query = withBalance(db, params.asOf).where('a.user_id', '=', params.userId);
  if (!params.includeArchived) query = query.where('a.archived_at', 'is', null);
  return query.orderBy('a.is_default', 'desc').orderBy('a.created_at').orderBy('a.id').execute();
}

export async function findAccount(db: FinanceDb, params: { userId: string; id: string; asOf: Date }): Promise<AccountRow | undefined> {
  return withBalance(db, params.asOf).where('a.user_id', '=', params.userId).where('a.id', '=', params.id).executeTakeFirst();
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
  await db
    .updateTable('accounts')
    .set({ is_default: false, updated_at: params.now })
    .where('user_id', '=', params.userId)
    .where('is_default', '=', true)
    .execute();
}

export async function hasTransactions(db: FinanceDb, accountId: string): Promise<boolean> {
  const row = await db.selectFrom('transactions').select('id').where('account_id', '=', accountId).limit(1).executeTakeFirst();
  return row !== undefined;
}

export async function deleteAccount(db: FinanceDb, params: { userId: string; id: string }) {
  await db.deleteFrom('accounts').where('user_id', '=', params.userId).where('id', '=', params.id).execute();
}
