import { ConflictError, fieldError } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import type { Transaction } from 'kysely';
import type { FinanceTables } from '../db.js';
import { parseAmount } from '../shared/money.js';
import { transactionSnapshot } from '../transactions/events.js';
import { findTransaction, updateTransaction, type NewTransaction, type TransactionRow } from '../transactions/repo.js';
import type { TransactionInput } from '../transactions/service.js';
import { lockTransfer } from './repo.js';
import { instantForUser } from '../users/time-zone.js';

type LegChanges = Partial<Omit<NewTransaction, 'id' | 'user_id'>>;

/**
 * A PATCH of one leg of a transfer. What the transfer is (its moment, its description, in one
 * currency its amount) changes on both legs together; a leg's own merchant and tags on that leg.
 * Between two currencies each leg's amount is what its own bank booked, so it changes alone and
 * the implied rate follows. A transfer is neither spending nor income: a category is a 400; moving
 * a leg to another account or type is a 409 (delete the transfer and record it again).
 */
export async function changeTransferLeg(
  ctx: FinanceContext,
  trx: Transaction<FinanceTables>,
  userId: string,
  leg: TransactionRow & { transfer_id: string },
  input: Partial<Omit<TransactionInput, 'currency'>>,
): Promise<TransactionRow> {
  if (input.category != null)
    throw fieldError('category', 'category: a transfer leg takes no category (a transfer is neither spending nor income)', 'transfer_leg_category');
  if ((input.accountId !== undefined && input.accountId.toLowerCase() !== leg.account_id) || (input.type !== undefined && input.type !== leg.type)) {
    throw new ConflictError('This is one leg of a transfer: its account and type stay; delete the transfer and make a new one', 'transfer_leg');
  }
  const legs = await lockTransfer(trx, { userId, transferId: leg.transfer_id });
  const counterpart = legs.find((l) => l.id !== leg.id);
  const amount = input.amount === undefined ? undefined : parseAmount(input.amount, leg.currency, 'amount', { positive: true });
  const shared: LegChanges = {
    ...(input.occurredAt !== undefined && { occurred_at: await instantForUser(trx, userId, input.occurredAt) }),
    ...(input.description !== undefined && { description: input.description }),
    ...(amount !== undefined && counterpart?.currency === leg.currency && { amount }),
  };
  const own: LegChanges = {
    ...shared,
    ...(amount !== undefined && { amount }),
    ...(input.merchant !== undefined && { merchant: input.merchant }),
    ...(input.tags !== undefined && { tags: [...new Set(input.tags)] }),
  };
  const now = ctx.clock.now();
  const fieldsOf = (changes: LegChanges) =>
    Object.keys(changes).map(
      (column) => ({ occurred_at: 'occurredAt', description: 'description', amount: 'amount', merchant: 'merchant', tags: 'tags' })[column] ?? column,
    );
  const write = async (row: TransactionRow, changes: LegChanges) => {
    if (Object.keys(changes).length === 0) return row;
    await updateTransaction(trx, { userId, id: row.id, now, changes });
    const changed = await findTransaction(trx, { userId, id: row.id });
    if (changed === undefined) throw new Error('transfer leg vanished during update');
    await ctx.bus.publish(trx, 'transaction.updated', userId, { ...transactionSnapshot(changed), changed: fieldsOf(changes) });
    return changed;
  };
  const changed = await write(leg, own);
  if (counterpart !== undefined) await write(counterpart, shared);
  return changed;
}
