import { ConflictError, NotFoundError, UnprocessableError } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import type { AccountType, FinanceDb } from '../db.js';
import { parseAmount } from '../shared/money.js';
import {
  clearDefault,
  deleteAccount,
  findAccount,
  findAccountRecord,
  hasTransactions,
  insertAccount,
  listAccounts,
  updateAccount,
  type AccountRecord,
  type AccountRow,
} from './repo.js';

/**
 * Every user has a default account. Finance learns about users from their tokens, so the account
 * is made on first use; the unique index settles two first requests arriving together.
 */
export async function ensureDefaultAccount(ctx: FinanceContext, userId: string, db: FinanceDb = ctx.db): Promise<AccountRecord> {
  const existing = await findAccountRecord(db, { userId });
  if (existing) return existing;
  await insertAccount(db, {
    userId,
    name: 'Main account',
    type: 'checking',
    currency: ctx.config.DEFAULT_CURRENCY,
    openingBalance: 0n,
    isDefault: true,
    now: ctx.clock.now(),
  });
  const created = await findAccountRecord(db, { userId });
  if (!created) throw new Error('default account vanished after insert');
  return created;
}

/**
 * The account a write goes to: the named one (404 when it is not the user's) or the default one
 * (made on first use). Without the balance, which a write never needs and which costs a sum over
 * the account's history.
 */
export async function accountForWrite(
  ctx: FinanceContext,
  db: FinanceDb,
  userId: string,
  accountId: string | undefined,
  field = 'accountId',
): Promise<AccountRecord> {
  const found = await findAccountRecord(db, { userId, id: accountId });
  if (found) return found;
  if (accountId !== undefined) throw new NotFoundError(`No account ${accountId} (${field})`, 'account_not_found');
  return ensureDefaultAccount(ctx, userId, db);
}

export async function getAccounts(ctx: FinanceContext, userId: string, includeArchived: boolean): Promise<AccountRow[]> {
  await ensureDefaultAccount(ctx, userId);
  return listAccounts(ctx.db, { userId, includeArchived, asOf: ctx.clock.now() });
}

/** The caller's account, or 404: another user's id is indistinguishable from a missing one. */
export async function requireAccount(db: FinanceDb, userId: string, id: string, field?: string): Promise<AccountRecord> {
  const account = await findAccountRecord(db, { userId, id });
  if (!account) throw new NotFoundError(field ? `No account ${id} (${field})` : `No account ${id}`, 'account_not_found');
  return account;
}

/** The caller's account with its balances now, or 404. */
export async function getAccount(ctx: FinanceContext, userId: string, id: string): Promise<AccountRow> {
  const account = await findAccount(ctx.db, { userId, id, asOf: ctx.clock.now() });
  if (!account) throw new NotFoundError(`No account ${id}`, 'account_not_found');
  return account;
}

export function requireOpen(account: AccountRecord): void {
  if (account.archived_at !== null) throw new UnprocessableError(`Account "${account.name}" is archived`, 'account_archived');
}

export async function createAccount(
  ctx: FinanceContext,
  userId: string,
  input: { name: string; type: AccountType; currency?: string | undefined; openingBalance?: string | number | undefined; isDefault?: boolean | undefined },
): Promise<AccountRow> {
  await ensureDefaultAccount(ctx, userId);
  const currency = input.currency ?? ctx.config.DEFAULT_CURRENCY;
  const openingBalance = parseAmount(input.openingBalance ?? '0', currency, 'openingBalance');
  const now = ctx.clock.now();
  const id = await ctx.db.transaction().execute(async (trx) => {
    if (input.isDefault === true) await clearDefault(trx, { userId, now });
    return insertAccount(trx, { userId, name: input.name, type: input.type, currency, openingBalance, isDefault: input.isDefault === true, now });
  });
  if (id === undefined) throw new ConflictError('Another request made a default account at the same time; try again', 'default_account_conflict');
  return getAccount(ctx, userId, id);
}

export async function changeAccount(
  ctx: FinanceContext,
  userId: string,
  id: string,
  input: { name?: string | undefined; openingBalance?: string | number | undefined; archived?: boolean | undefined; isDefault?: boolean | undefined },
): Promise<AccountRow> {
  const account = await requireAccount(ctx.db, userId, id);
  if (input.isDefault === false && account.is_default) throw new ConflictError('Make another account the default instead', 'default_account_required');
  if (input.archived === true && (account.is_default || input.isDefault === true))
    throw new ConflictError('The default account cannot be archived', 'default_account_archive');
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    if (input.isDefault === true && !account.is_default) await clearDefault(trx, { userId, now });
    await updateAccount(trx, {
      userId,
      id,
      now,
      changes: {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.openingBalance !== undefined && { opening_balance: parseAmount(input.openingBalance, account.currency, 'openingBalance') }),
        ...(input.archived !== undefined && { archived_at: input.archived ? (account.archived_at ?? now) : null }),
        ...(input.isDefault === true && { is_default: true }),
      },
    });
  });
  return getAccount(ctx, userId, id);
}

/** An account with history is archived, never silently deleted with it. */
export async function removeAccount(ctx: FinanceContext, userId: string, id: string): Promise<void> {
  const account = await requireAccount(ctx.db, userId, id);
  if (account.is_default) throw new ConflictError('The default account cannot be deleted', 'default_account_delete');
  if (await hasTransactions(ctx.db, id)) {
    throw new ConflictError('This account has transactions: archive it instead (PATCH {"archived": true})', 'account_has_transactions');
  }
  await deleteAccount(ctx.db, { userId, id });
}
