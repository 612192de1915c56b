import { ConflictError, NotFoundError } from '@expensio/common';
import { recordBudgetThresholds } from '../budgets/thresholds.js';
import type { FinanceContext } from '../context.js';
import { transactionSnapshot } from '../transactions/events.js';
import { findTransaction, type TransactionRow } from '../transactions/repo.js';
import { lockTransfer, unmakeLeg } from './repo.js';

/** The two rows a transfer was, as they are once unlinked. */
export interface UnlinkResult {
  expense: TransactionRow | null;
  income: TransactionRow | null;
}

const recordedType = (type: string) => (type === 'transfer_out' ? ('expense' as const) : ('income' as const));

/**
 * `DELETE /api/transactions/:id/link-transfer`: the legs of the transfer this transaction is one
 * of become an ordinary expense (the transfer_out) and income (the transfer_in) again, each in its
 * own account with its own amount, date, description, merchant and tags, and no category (the
 * user categorises them, or a later rule run does). Every transfer unlinks, whatever made it (a
 * link, a rule, POST /api/accounts/transfers): once linked they are indistinguishable (ADR 0016),
 * and a hand-recorded transfer unlinked is exactly the expense and income its two statements show.
 * Both legs are locked before the check (in id order, as a PATCH of a leg locks them), so of two
 * unlinks racing the second finds no transfer: 409 `not_a_transfer`.
 */
export async function unlinkTransfer(ctx: FinanceContext, userId: string, id: string): Promise<UnlinkResult> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await findTransaction(trx, { userId, id });
    if (row === undefined) throw new NotFoundError(`No transaction ${id}`, 'transaction_not_found');
    const notATransfer = () => new ConflictError(`Transaction ${row.id} is not a leg of a transfer`, 'not_a_transfer');
    if (row.transfer_id === null) throw notATransfer();
    const legs = await lockTransfer(trx, { userId, transferId: row.transfer_id });
    // Unlinked (or deleted) by another request between the read and the lock.
    if (!legs.some((leg) => leg.id === row.id)) throw notATransfer();
    const now = ctx.clock.now();
    const result: UnlinkResult = { expense: null, income: null };
    for (const leg of legs) {
      const type = recordedType(leg.type);
      await unmakeLeg(trx, { userId, id: leg.id, type, now });
      const unlinked: TransactionRow = { ...leg, type, transfer_id: null, category_id: null, category_slug: null, updated_at: now };
      await ctx.bus.publish(trx, 'transaction.updated', userId, { ...transactionSnapshot(unlinked), changed: ['type', 'transferId'] });
      result[type] = unlinked;
    }
    // The transfer_out is spending again: it may cross a budget's threshold like any other change.
    if (result.expense !== null) {
      const { occurred_at, currency } = result.expense;
      await recordBudgetThresholds(ctx, trx, userId, { occurredAt: occurred_at, categoryId: null, currency });
    }
    return result;
  });
}
