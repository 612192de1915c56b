import { NotFoundError, UnprocessableError, addDays, dateInZone, decodeCursor, fieldError, newId, startOfDayInZone, zonedPeriodOf } from '@expensio/common';
import { accountForWrite, ensureDefaultAccount, requireAccount, requireOpen } from '../accounts/service.js';
import { recordBudgetThresholds } from '../budgets/thresholds.js';
import { categoryForWrite, requireCategory, requireKindFits } from '../categories/service.js';
import type { FinanceContext } from '../context.js';
import type { FinanceDb, TransactionType } from '../db.js';
import { changeTransferLeg } from '../transfers/legs.js';
import { deletedSnapshot, transactionSnapshot } from './events.js';
import { formatAmount, parseAmount } from '../shared/money.js';
import { dayWindow } from '../shared/period-query.js';
import type { PeriodUnit } from '../shared/periods.js';
import { instantForUser, instantRangeForUser, userTimeZone } from '../users/time-zone.js';
import { UNSCORED } from '../risk/rows.js';
import { deleteTransaction, findTransaction, listTransactions, summarise, updateTransaction, type NewTransaction, type TransactionRow } from './repo.js';

export interface TransactionInput {
  accountId?: string | undefined;
  type: 'income' | 'expense';
  amount: string | number;
  currency?: string | undefined;
  category?: string | null | undefined;
  description?: string | null | undefined;
  merchant?: string | null | undefined;
  occurredAt?: string | undefined;
  tags?: string[] | undefined;
}

export async function requireTransaction(db: FinanceDb, userId: string, id: string): Promise<TransactionRow> {
  const row = await findTransaction(db, { userId, id });
  if (!row) throw new NotFoundError(`No transaction ${id}`, 'transaction_not_found');
  return row;
}

/** Where a new transaction goes, as far as building it needs to know. */
export interface WriteTarget {
  id: string;
  currency: string;
}

/**
 * The row to write, and the row as it will read once written, for a transaction whose account and
 * category are already resolved (and checked to be the user's). Converts the amount in the
 * account's currency: 400 naming `amount` when it does not fit.
 */
export function buildTransaction(
  ctx: FinanceContext,
  userId: string,
  account: WriteTarget,
  category: { id: string; slug: string; kind: 'expense' | 'income' | 'any' } | null,
  input: TransactionInput,
  extra: { id?: string; now?: Date } = {},
): { values: NewTransaction; row: TransactionRow; now: Date } {
  if (category) requireKindFits(category, input.type);
  const currency = input.currency ?? account.currency;
  if (currency !== account.currency) {
    throw new UnprocessableError(`The account holds ${account.currency}; record the amount in ${account.currency}`, 'currency_mismatch');
  }
  const amount = parseAmount(input.amount, currency, 'amount', { positive: true });
  const now = extra.now ?? ctx.clock.now();
  const values: NewTransaction = {
    id: extra.id ?? newId(),
    user_id: userId,
    account_id: account.id,
    type: input.type,
    amount,
    currency,
    category_id: category?.id ?? null,
    description: input.description ?? null,
    merchant: input.merchant ?? null,
    occurred_at: input.occurredAt === undefined ? now : new Date(input.occurredAt),
    tags: [...new Set(input.tags ?? [])],
    transfer_id: null,
  };
  // The answer is what was written, not a read back: one round trip less per create.
  const row: TransactionRow = {
    ...values,
    created_at: now,
    updated_at: now,
    import_fingerprint: null,
    recurring_rule_id: null,
    occurrence_date: null,
    category_slug: category?.slug ?? null,
    ...UNSCORED,
  };
  return { values, now, row };
}

/**
 * Checks everything a new transaction names belongs to the user (404 otherwise), then builds it.
 * Writes nothing but the user's default account on first use.
 */
export async function prepareTransaction(
  ctx: FinanceContext,
  db: FinanceDb,
  userId: string,
  input: TransactionInput,
  extra: { id?: string } = {},
): Promise<{ values: NewTransaction; row: TransactionRow; now: Date }> {
  const account = await accountForWrite(ctx, db, userId, input.accountId);
  requireOpen(account);
  const category = input.category == null ? null : await categoryForWrite(ctx, db, userId, input.category);
  return buildTransaction(ctx, userId, account, category, input, extra);
}

export async function changeTransaction(
  ctx: FinanceContext,
  userId: string,
  id: string,
  input: Partial<Omit<TransactionInput, 'currency'>>,
): Promise<TransactionRow> {
  return ctx.db.transaction().execute(async (trx) => {
    const existing = await requireTransaction(trx, userId, id);
    if (existing.transfer_id !== null) return changeTransferLeg(ctx, trx, userId, { ...existing, transfer_id: existing.transfer_id }, input);
    let accountId = existing.account_id;
    let currency = existing.currency;
    if (input.accountId !== undefined && input.accountId !== existing.account_id) {
      const account = await requireAccount(trx, userId, input.accountId, 'accountId');
      requireOpen(account);
      if (account.currency !== existing.currency)
        throw new UnprocessableError(`The account holds ${account.currency}, the transaction ${existing.currency}`, 'currency_mismatch');
      accountId = account.id;
      currency = account.currency;
    }
    const category = input.category === undefined ? undefined : input.category === null ? null : await requireCategory(trx, userId, input.category);
    const kept =
      category === undefined && input.type !== undefined && existing.category_id !== null ? await requireCategory(trx, userId, existing.category_id) : null;
    const landing = category ?? kept;
    if (landing) requireKindFits(landing, input.type ?? existing.type);
    await updateTransaction(trx, {
      userId,
      id,
      now: ctx.clock.now(),
      changes: {
        account_id: accountId,
        ...(input.type !== undefined && { type: input.type }),
        ...(input.amount !== undefined && { amount: parseAmount(input.amount, currency, 'amount', { positive: true }) }),
        ...(category !== undefined && { category_id: category?.id ?? null }),
        ...(input.description !== undefined && { description: input.description }),
        ...(input.merchant !== undefined && { merchant: input.merchant }),
        ...(input.occurredAt !== undefined && { occurred_at: await instantForUser(trx, userId, input.occurredAt) }),
        ...(input.tags !== undefined && { tags: [...new Set(input.tags)] }),
      },
    });
    const changed = await requireTransaction(trx, userId, id);
    await ctx.bus.publish(trx, 'transaction.updated', userId, { ...transactionSnapshot(changed), changed: Object.keys(input) });
    if (changed.type === 'expense')
      await recordBudgetThresholds(ctx, trx, userId, { occurredAt: changed.occurred_at, categoryId: changed.category_id, currency: changed.currency });
    return changed;
  });
}

export async function removeTransaction(ctx: FinanceContext, userId: string, id: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const existing = await requireTransaction(trx, userId, id);
    const deleted = await deleteTransaction(trx, { userId, id, transferId: existing.transfer_id });
    for (const row of deleted) await ctx.bus.publish(trx, 'transaction.deleted', userId, deletedSnapshot(row));
  });
}

export interface ListInput {
  limit: number;
  cursor?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  type?: TransactionType | 'transfer' | undefined;
  accountId?: string | undefined;
  category?: string | undefined;
  tag?: string | undefined;
  merchant?: string | undefined;
  text?: string | undefined;
  currency?: string | undefined;
  minAmount?: string | undefined;
  maxAmount?: string | undefined;
  flagged?: boolean | undefined;
  minRisk?: number | undefined;
  review?: 'open' | 'reviewed' | 'all' | undefined;
}

/** A malformed filter is the client's mistake in the query, so a 400 naming it, like any other bad query value. */
function amountFilter(value: string | undefined, currency: string, field: string): bigint | undefined {
  if (value === undefined) return undefined;
  try {
    return parseAmount(value, currency, field);
  } catch {
    throw fieldError(field, `must be an amount in ${currency}`, 'invalid_amount', 'querystring');
  }
}

export async function searchTransactions(ctx: FinanceContext, userId: string, input: ListInput) {
  const needsCurrency = input.minAmount !== undefined || input.maxAmount !== undefined;
  const currency = input.currency ?? (needsCurrency ? (await ensureDefaultAccount(ctx, userId)).currency : undefined);
  // `none` asks for the uncategorised ones (a category of that slug is shadowed).
  const uncategorised = input.category?.toLowerCase() === 'none';
  const category = input.category === undefined || uncategorised ? undefined : await requireCategory(ctx.db, userId, input.category);
  // Like a category, an account that is not the caller's is a 404, not an empty page.
  if (input.accountId !== undefined) await requireAccount(ctx.db, userId, input.accountId, 'accountId');
  const { from, to } = await instantRangeForUser(ctx.db, userId, input);
  return listTransactions(ctx.db, ctx.database, {
    userId,
    limit: input.limit,
    cursor: input.cursor === undefined ? undefined : decodeCursor(input.cursor),
    from,
    to,
    types: input.type === undefined ? undefined : input.type === 'transfer' ? ['transfer_in', 'transfer_out'] : [input.type],
    accountId: input.accountId,
    categoryId: category?.id,
    uncategorised,
    tag: input.tag,
    merchant: input.merchant,
    text: input.text,
    currency,
    minAmount: currency === undefined ? undefined : amountFilter(input.minAmount, currency, 'minAmount'),
    maxAmount: currency === undefined ? undefined : amountFilter(input.maxAmount, currency, 'maxAmount'),
    flagged: input.flagged,
    minRisk: input.minRisk,
    review: input.review,
  });
}

/** Totals for the period holding a day (today by default) or for a range of days, counted in the user's zone. */
export async function summary(
  ctx: FinanceContext,
  userId: string,
  input: { timeframe: PeriodUnit; currency?: string | undefined; date?: string | undefined; from?: string | undefined; to?: string | undefined },
) {
  const currency = input.currency ?? (await ensureDefaultAccount(ctx, userId)).currency;
  const timeZone = await userTimeZone(ctx.db, userId);
  const window = dayWindow(input, dateInZone(ctx.clock.now(), timeZone));
  const days =
    window.kind === 'range'
      ? { timeframe: 'custom' as const, startDate: window.firstDay, endDate: window.endDay }
      : { timeframe: input.timeframe, ...zonedPeriodOf(window.day, input.timeframe, timeZone) };
  const from = startOfDayInZone(days.startDate, timeZone);
  const to = startOfDayInZone(days.endDate, timeZone);
  const rows = await summarise(ctx.db, { userId, currency, from, to });
  const income = rows.reduce((sum, r) => sum + r.income, 0n);
  const expense = rows.reduce((sum, r) => sum + r.expense, 0n);
  return {
    timeframe: days.timeframe,
    from: from.toISOString(),
    to: to.toISOString(),
    firstDay: days.startDate,
    lastDay: addDays(days.endDate, -1),
    timeZone,
    currency,
    income: formatAmount(income, currency),
    expense: formatAmount(expense, currency),
    net: formatAmount(income - expense, currency),
    byCategory: rows.map((r) => ({
      category: r.category,
      name: r.categoryName,
      income: formatAmount(r.income, currency),
      expense: formatAmount(r.expense, currency),
      count: r.count,
    })),
  };
}
