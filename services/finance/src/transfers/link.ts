import { ConflictError, NotFoundError, UnprocessableError, fieldError, newId } from '@expensio/common';
import { requireOpen } from '../accounts/service.js';
import { findAccountRecord, type AccountRecord } from '../accounts/repo.js';
import type { FinanceContext } from '../context.js';
import type { Transaction } from 'kysely';
import type { FinanceTables } from '../db.js';
import type { Answer } from '../shared/idempotency.js';
import { parseAmount } from '../shared/money.js';
import { transactionSnapshot } from '../transactions/events.js';
import { findTransactions, insertTransactions, type TransactionRow } from '../transactions/repo.js';
import { LINK_WINDOW_DAYS, lockTransactions, makeLeg } from './repo.js';
import type { TransferLegs } from './schemas.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface LinkResult extends TransferLegs {
  /** The missing leg was recorded (with accountId), rather than an existing one linked. */
  created: boolean;
}

function requireNotTransfer(row: TransactionRow, field?: string): asserts row is TransactionRow & { type: 'income' | 'expense' } {
  if (row.transfer_id !== null) {
    throw new ConflictError(`Transaction ${row.id}${field ? ` (${field})` : ''} is already one leg of transfer ${row.transfer_id}`, 'already_transfer');
  }
}

/**
 * Why these two cannot be the legs of one transfer, or null when they can: an expense and an
 * income, in two accounts, of the same currency and amount, booked within the window.
 */
export function pairProblem(a: TransactionRow, b: TransactionRow): UnprocessableError | null {
  if (a.id === b.id) return new UnprocessableError('A transaction cannot be its own counterpart', 'same_transaction');
  if (a.type === b.type)
    return new UnprocessableError(`Both are ${a.type}s: a transfer pairs an expense (money out) with an income (money in)`, 'types_do_not_pair');
  if (a.account_id === b.account_id) return new UnprocessableError('Both are in the same account: a transfer moves money between two accounts', 'same_account');
  if (a.currency !== b.currency) return new UnprocessableError(`The currencies differ (${a.currency} and ${b.currency})`, 'currency_mismatch');
  if (a.amount !== b.amount) return new UnprocessableError('The amounts differ', 'amount_mismatch');
  if (Math.abs(a.occurred_at.getTime() - b.occurred_at.getTime()) > LINK_WINDOW_DAYS * DAY_MS) {
    return new UnprocessableError(`The two were booked more than ${LINK_WINDOW_DAYS} days apart`, 'dates_too_far');
  }
  return null;
}

export const legType = (type: 'income' | 'expense') => (type === 'expense' ? ('transfer_out' as const) : ('transfer_in' as const));
export const otherSide = (type: 'transfer_in' | 'transfer_out') => (type === 'transfer_out' ? ('transfer_in' as const) : ('transfer_out' as const));

/** The row once it is a leg, as the update leaves it. */
function asLeg(row: TransactionRow & { type: 'income' | 'expense' }, transferId: string, now: Date): TransactionRow & { type: 'transfer_in' | 'transfer_out' } {
  return { ...row, type: legType(row.type), transfer_id: transferId, category_id: null, category_slug: null, updated_at: now };
}

/** Turns a recorded income or expense into a leg of the transfer, with its `transaction.updated`. */
export async function convert(
  ctx: FinanceContext,
  trx: Transaction<FinanceTables>,
  userId: string,
  row: TransactionRow & { type: 'income' | 'expense' },
  transferId: string,
  now: Date,
) {
  const leg = asLeg(row, transferId, now);
  await makeLeg(trx, { userId, id: row.id, type: leg.type, transferId, now });
  const changed = ['type', 'transferId', ...(row.category_id === null ? [] : ['category'])];
  await ctx.bus.publish(trx, 'transaction.updated', userId, { ...transactionSnapshot(leg), changed });
  return leg;
}

export const legsOf = (transferId: string, a: TransactionRow, b: TransactionRow): TransferLegs =>
  a.type === 'transfer_out' ? { transferId, out: a, in: b } : { transferId, out: b, in: a };

/** Links two locked rows that pairProblem accepts into one transfer, in the caller's transaction. */
export async function linkPair(
  ctx: FinanceContext,
  trx: Transaction<FinanceTables>,
  userId: string,
  a: TransactionRow,
  b: TransactionRow,
): Promise<TransferLegs> {
  requireNotTransfer(a);
  requireNotTransfer(b, 'counterpartId');
  const problem = pairProblem(a, b);
  if (problem) throw problem;
  const transferId = newId();
  const now = ctx.clock.now();
  return legsOf(transferId, await convert(ctx, trx, userId, a, transferId, now), await convert(ctx, trx, userId, b, transferId, now));
}

/** Records a new leg of a transfer (no category, no merchant) with its `transaction.created`. */
export async function insertLeg(
  ctx: FinanceContext,
  trx: Transaction<FinanceTables>,
  userId: string,
  leg: {
    transferId: string;
    type: 'transfer_in' | 'transfer_out';
    account: { id: string; currency: string };
    amount: bigint;
    description: string | null;
    occurredAt: Date;
  },
): Promise<TransactionRow> {
  const id = newId();
  await insertTransactions(
    trx,
    [
      {
        id,
        user_id: userId,
        account_id: leg.account.id,
        type: leg.type,
        amount: leg.amount,
        currency: leg.account.currency,
        category_id: null,
        description: leg.description,
        merchant: null,
        occurred_at: leg.occurredAt,
        tags: [],
        transfer_id: leg.transferId,
      },
    ],
    ctx.clock.now(),
  );
  const [added] = await findTransactions(trx, { userId, ids: [id] });
  if (added === undefined) throw new Error('transfer leg vanished after insert');
  await ctx.bus.publish(trx, 'transaction.created', userId, transactionSnapshot(added));
  return added;
}

/**
 * Records the leg a locked income or expense is missing in another of the user's accounts (same
 * moment and description; the amount in that account's currency), and makes both one transfer.
 */
export async function addMissingLeg(
  ctx: FinanceContext,
  trx: Transaction<FinanceTables>,
  userId: string,
  row: TransactionRow,
  account: AccountRecord,
  amountInput: string | number | undefined,
): Promise<TransferLegs> {
  requireNotTransfer(row);
  requireOpen(account);
  if (account.id === row.account_id) throw new UnprocessableError('The missing leg belongs in another account than the transaction', 'same_account');
  let amount = row.amount;
  if (account.currency !== row.currency) {
    if (amountInput === undefined)
      throw fieldError('amount', `amount is required: the account holds ${account.currency}, the transaction ${row.currency}`, 'required');
    amount = parseAmount(amountInput, account.currency, 'amount', { positive: true });
  } else if (amountInput !== undefined && parseAmount(amountInput, account.currency, 'amount', { positive: true }) !== row.amount) {
    throw new UnprocessableError('In one currency both legs move the same amount: leave amount out or give the transaction’s', 'amount_mismatch');
  }
  const transferId = newId();
  const existing = await convert(ctx, trx, userId, row, transferId, ctx.clock.now());
  const added = await insertLeg(ctx, trx, userId, {
    transferId,
    type: otherSide(existing.type),
    account,
    amount,
    description: row.description,
    occurredAt: row.occurred_at,
  });
  return legsOf(transferId, existing, added);
}

/**
 * `POST /api/transactions/:id/link-transfer`: all of it in one database transaction, or nothing;
 * an Idempotency-Key's answer is stored last in that transaction.
 */
export async function linkTransfer(
  ctx: FinanceContext,
  userId: string,
  id: string,
  input: { counterpartId?: string | undefined; accountId?: string | undefined; amount?: string | number | undefined },
  answer?: Answer<LinkResult>,
): Promise<LinkResult> {
  return ctx.db.transaction().execute(async (trx) => {
    const result = await linkIn(ctx, trx, userId, id, input);
    await answer?.(trx, result);
    return result;
  });
}

async function linkIn(
  ctx: FinanceContext,
  trx: Transaction<FinanceTables>,
  userId: string,
  id: string,
  input: { counterpartId?: string | undefined; accountId?: string | undefined; amount?: string | number | undefined },
): Promise<LinkResult> {
  const counterpartId = input.counterpartId?.toLowerCase();
  const ids = counterpartId === undefined || counterpartId === id.toLowerCase() ? [id] : [id, counterpartId];
  const rows = await lockTransactions(trx, { userId, ids });
  const row = rows.find((r) => r.id === id.toLowerCase());
  if (row === undefined) throw new NotFoundError(`No transaction ${id}`, 'transaction_not_found');
  if (counterpartId !== undefined) {
    const counterpart = rows.find((r) => r.id === counterpartId);
    if (counterpart === undefined) throw new NotFoundError(`No transaction ${counterpartId} (counterpartId)`, 'transaction_not_found');
    return { ...(await linkPair(ctx, trx, userId, row, counterpart)), created: false };
  }
  if (input.accountId === undefined) throw fieldError('counterpartId', 'name either counterpartId or accountId');
  const account = await findAccountRecord(trx, { userId, id: input.accountId });
  if (account === undefined) throw new NotFoundError(`No account ${input.accountId} (accountId)`, 'account_not_found');
  return { ...(await addMissingLeg(ctx, trx, userId, row, account, input.amount)), created: true };
}
