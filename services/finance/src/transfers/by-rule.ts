import { newId } from '@expensio/common';
import type { Transaction } from 'kysely';
import { findAccountRecord, type AccountRecord } from '../accounts/repo.js';
import type { FinanceContext } from '../context.js';
import type { FinanceTables } from '../db.js';
import type { TransactionRow } from '../transactions/repo.js';
import { convert, insertLeg, legType, legsOf, otherSide } from './link.js';
import { findLinkable, lockTransactions } from './repo.js';
import type { TransferLegs } from './schemas.js';

/**
 * A rule's `transferToAccountId` (ADR 0016): what matches becomes one leg of a transfer with that
 * account, linked to the other leg when the account already holds it (as link-transfer would with
 * counterpartId), else with that leg recorded there. Where neither can be done (the account is
 * gone or archived, or holds another currency and nothing there matches) the transaction stays as
 * it is: a rule never fails a write.
 */
export interface RuleTransferPlan {
  transferId: string;
  /** The type the matching transaction takes. */
  type: 'transfer_in' | 'transfer_out';
  account: AccountRecord;
  /** The existing other leg (locked), or null: it is recorded. */
  counterpart: (TransactionRow & { type: 'income' | 'expense' }) | null;
}

type Leg = Pick<TransactionRow, 'account_id' | 'amount' | 'currency' | 'occurred_at'> & { type: 'income' | 'expense' };

export async function planRuleTransfer(trx: Transaction<FinanceTables>, userId: string, tx: Leg, accountId: string): Promise<RuleTransferPlan | null> {
  if (accountId === tx.account_id) return null;
  const account = await findAccountRecord(trx, { userId, id: accountId });
  if (account === undefined) return null;
  const counterpart = await findLinkable(trx, {
    userId,
    accountId,
    type: tx.type === 'expense' ? 'income' : 'expense',
    currency: tx.currency,
    amount: tx.amount,
    occurredAt: tx.occurred_at,
  });
  if (counterpart === undefined && (account.archived_at !== null || account.currency !== tx.currency)) return null;
  return { transferId: newId(), type: legType(tx.type), account, counterpart: counterpart ?? null };
}

/** After the matching transaction was written as a leg: the other leg linked or recorded. */
export async function completeRuleTransfer(
  ctx: FinanceContext,
  trx: Transaction<FinanceTables>,
  userId: string,
  leg: TransactionRow,
  plan: RuleTransferPlan,
): Promise<TransferLegs> {
  const other = plan.counterpart
    ? await convert(ctx, trx, userId, plan.counterpart, plan.transferId, ctx.clock.now())
    : await insertLeg(ctx, trx, userId, {
        transferId: plan.transferId,
        type: otherSide(plan.type),
        account: plan.account,
        amount: leg.amount,
        description: leg.description,
        occurredAt: leg.occurred_at,
      });
  return legsOf(plan.transferId, leg, other);
}

/** The action applied to a transaction already recorded (a rule applied to history, an imported row); null when it does not apply. */
export async function transferByRule(
  ctx: FinanceContext,
  trx: Transaction<FinanceTables>,
  userId: string,
  id: string,
  accountId: string,
): Promise<TransferLegs | null> {
  const [row] = await lockTransactions(trx, { userId, ids: [id] });
  if (row === undefined || row.transfer_id !== null || (row.type !== 'income' && row.type !== 'expense')) return null;
  const recorded = { ...row, type: row.type };
  const plan = await planRuleTransfer(trx, userId, recorded, accountId);
  if (plan === null) return null;
  const leg = await convert(ctx, trx, userId, recorded, plan.transferId, ctx.clock.now());
  return completeRuleTransfer(ctx, trx, userId, leg, plan);
}
