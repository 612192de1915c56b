import { fieldError, newId } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { parseAmount } from '../shared/money.js';
import { transactionSnapshot } from '../transactions/events.js';
import { findTransactions, insertTransactions } from '../transactions/repo.js';
import type { TransferLegs } from '../transfers/schemas.js';
import { requireAccount, requireOpen } from './service.js';
import type { Answer } from '../shared/idempotency.js';
import { instantForUser } from '../users/time-zone.js';

export interface TransferInput {
  fromAccountId: string;
  toAccountId: string;
  amount: string | number;
  toAmount?: string | number | undefined;
  occurredAt?: string | undefined;
  description?: string | undefined;
}

/**
 * Moves money between two of the user's accounts: both legs are written in one transaction or
 * neither. Each leg is in its own account's currency: between two currencies the client says what
 * arrived (`toAmount`, what the bank booked), and the rate follows from the two amounts.
 */
export async function transfer(ctx: FinanceContext, userId: string, input: TransferInput, answer?: Answer<TransferLegs>): Promise<TransferLegs> {
  if (input.fromAccountId === input.toAccountId) throw fieldError('toAccountId', 'toAccountId must differ from fromAccountId', 'same_account');
  return ctx.db.transaction().execute(async (trx) => {
    const from = await requireAccount(trx, userId, input.fromAccountId, 'fromAccountId');
    const to = await requireAccount(trx, userId, input.toAccountId, 'toAccountId');
    requireOpen(from);
    requireOpen(to);
    const amount = parseAmount(input.amount, from.currency, 'amount', { positive: true });
    let toAmount = amount;
    if (from.currency !== to.currency) {
      if (input.toAmount === undefined) {
        throw fieldError(
          'toAmount',
          `toAmount is required: the accounts hold ${from.currency} and ${to.currency}; give the amount that arrives in ${to.currency}`,
          'required',
        );
      }
      toAmount = parseAmount(input.toAmount, to.currency, 'toAmount', { positive: true });
    } else if (input.toAmount !== undefined && parseAmount(input.toAmount, to.currency, 'toAmount', { positive: true }) !== amount) {
      throw fieldError('toAmount', 'toAmount must equal amount (or be left out) when both accounts hold the same currency', 'amount_mismatch');
    }
    const transferId = newId();
    const now = ctx.clock.now();
    const occurredAt = input.occurredAt === undefined ? now : await instantForUser(trx, userId, input.occurredAt);
    const leg = (account: { id: string; currency: string }, type: 'transfer_out' | 'transfer_in', legAmount: bigint) => ({
      id: newId(),
      user_id: userId,
      account_id: account.id,
      type,
      amount: legAmount,
      currency: account.currency,
      category_id: null,
      description: input.description ?? null,
      merchant: null,
      occurred_at: occurredAt,
      tags: [],
      transfer_id: transferId,
    });
    const legs = [leg(from, 'transfer_out', amount), leg(to, 'transfer_in', toAmount)];
    await insertTransactions(trx, legs, now);
    const written = await findTransactions(trx, { userId, ids: legs.map((l) => l.id) });
    for (const row of written) await ctx.bus.publish(trx, 'transaction.created', userId, transactionSnapshot(row));
    const out = written.find((l) => l.type === 'transfer_out');
    const into = written.find((l) => l.type === 'transfer_in');
    if (!out || !into) throw new Error('transfer legs missing after insert');
    const result = { transferId, out, in: into };
    await answer?.(trx, result);
    return result;
  });
}
