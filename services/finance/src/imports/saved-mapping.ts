import { NotFoundError } from '@expensio/common';
import { findAccountRecord } from '../accounts/repo.js';
import type { FinanceContext } from '../context.js';
import type { FinanceDb } from '../db.js';
import { importMappingSchema, type ImportMapping } from './formats/index.js';
import { deleteSavedMapping, findSavedMapping, upsertSavedMapping } from './mapping-repo.js';

export interface SavedMapping {
  accountId: string;
  mapping: ImportMapping;
  updatedAt: Date;
}

/**
 * The mapping saved for one of the user's accounts, read through today's schema: one saved under
 * an older schema that no longer reads is treated as absent rather than failing every import.
 */
export async function savedMappingFor(db: FinanceDb, userId: string, accountId: string): Promise<SavedMapping | undefined> {
  const row = await findSavedMapping(db, { userId, accountId });
  if (row === undefined) return undefined;
  const parsed = importMappingSchema.safeParse(row.mapping);
  return parsed.success ? { accountId, mapping: parsed.data, updatedAt: row.updatedAt } : undefined;
}

/** The account is the user's (any other is 404, as if it did not exist); no balance is summed for it. */
async function requireOwnAccount(db: FinanceDb, userId: string, accountId: string): Promise<void> {
  const account = await findAccountRecord(db, { userId, id: accountId });
  if (account === undefined) throw new NotFoundError(`No account ${accountId}`, 'account_not_found');
}

export async function readSavedMapping(ctx: FinanceContext, userId: string, accountId: string): Promise<SavedMapping> {
  await requireOwnAccount(ctx.db, userId, accountId);
  const saved = await savedMappingFor(ctx.db, userId, accountId);
  if (saved === undefined) throw new NotFoundError(`Account ${accountId} has no saved import mapping`, 'import_mapping_not_found');
  return saved;
}

/** Saves (or replaces) the account's mapping; an archived account may keep one for when it reopens. */
export async function saveMapping(ctx: FinanceContext, userId: string, accountId: string, mapping: ImportMapping): Promise<SavedMapping> {
  await requireOwnAccount(ctx.db, userId, accountId);
  const now = ctx.clock.now();
  await upsertSavedMapping(ctx.db, { userId, accountId, mapping, now });
  return { accountId, mapping, updatedAt: now };
}

export async function clearMapping(ctx: FinanceContext, userId: string, accountId: string): Promise<void> {
  await requireOwnAccount(ctx.db, userId, accountId);
  await deleteSavedMapping(ctx.db, { userId, accountId });
}
