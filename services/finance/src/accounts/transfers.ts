import { UnprocessableError, fieldError, newId } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { parseAmount } from '../shared/money.js';
import { transactionSnapshot } from '../transactions/events.js';
import { findTransactions, insertTransactions, type TransactionRow } from '../transactions/repo.js';
import { requireAccount, requireOpen } from './service.js';
import type { Answer } from '../shared/idempotency.js';
import { instantForUser } from '../users/time-zone.js';

/** Moves money between two of the user's accounts: both legs are written in one transaction or neither. */
export async function transfer(
  ctx: FinanceContext,
  userId: string,
  input: { fromAccountId: string; toAccountId: string; amount: string | number; occurredAt?: string | undefined; description?: string | undefined },
  answer?: Answer<{ transferId: string; legs: TransactionRow[] }>,
): Promise<{ transferId: string; legs: TransactionRow[] }> {
  if (input.fromAccountId === input.toAccountId) throw fieldError('toAccountId', 'toAccountId must differ from fromAccountId', 'same_account');
  return ctx.db.transaction().execute(async (trx) => {
    const from = await requireAccount(trx, userId, input.fromAccountId, 'fromAccountId');
    const to = await requireAccount(trx, userId, input.toAccountId, 'toAccountId');
    requireOpen(from);
    requireOpen(to);
    if (from.currency !== to.currency) {
      throw new UnprocessableError(`Both accounts must hold the same currency (${from.currency} and ${to.currency})`, 'currency_mismatch');
    }
    const amount = parseAmount(input.amount, from.currency, 'amount', { positive: true });
    const transferId = newId();
    const now = ctx.clock.now();
    const occurredAt = input.occurredAt === undefined ? now : await instantForUser(trx, userId, input.occurredAt);
    const leg = (accountId: string, type: 'transfer_out' | 'transfer_in') => ({
      id: newId(),
      user_id: userId,
      account_id: accountId,
      type,
      amount,
      currency: from.currency,
      category_id: null,
      description: input.description ?? null,
      merchant: null,
      occurred_at: occurredAt,
      tags: [],
      transfer_id: transferId,
    });
    const legs = [leg(from.id, 'transfer_out'), leg(to.id, 'transfer_in')];
    await insertTransactions(trx, legs, now);
    const written = await findTransactions(trx, { userId, ids: legs.map((l) => l.id) });
    for (const row of written) await ctx.bus.publish(trx, 'transaction.created', userId, transactionSnapshot(row));
    const result = { transferId, legs: written };
    await answer?.(trx, result);
    return result;
  });
}
