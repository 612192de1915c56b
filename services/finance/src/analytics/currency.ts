import { ensureDefaultAccount } from '../accounts/service.js';
import { findAccountRecord } from '../accounts/repo.js';
import type { FinanceContext } from '../context.js';

/** The currency asked for, else the default account's (read without summing its balance). */
export async function analyticsCurrency(ctx: FinanceContext, userId: string, given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  const account = (await findAccountRecord(ctx.db, { userId })) ?? (await ensureDefaultAccount(ctx, userId));
  return account.currency;
}
