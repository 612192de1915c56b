import { NotFoundError, addDays, dateInZone, decodeCursor, fieldError, newId, type IsoDate } from '@expensio/common';
import { ensureDefaultAccount } from '../accounts/service.js';
import { requireCategory } from '../categories/service.js';
import type { FinanceContext } from '../context.js';
import type { BudgetPeriod, FinanceDb, RolloverMode } from '../db.js';
import { parseAmount } from '../shared/money.js';
import {
  deleteBudget,
  findBudget,
  insertBudget,
  listBudgets,
  listThresholdEvents,
  spendingByPeriod,
  termsOf,
  updateBudget,
  type BudgetRow,
  type NewBudget,
} from './repo.js';
import { dayWindow } from '../shared/period-query.js';
import { userTimeZone } from '../users/time-zone.js';
import { budgetLedger, combinePeriods, firstPeriodStart, spendingByBudget, type LedgerPeriod } from './rollover.js';
import { checkThresholds } from './thresholds.js';

export interface BudgetFields {
  name: string;
  amount: string | number;
  currency?: string | undefined;
  period: BudgetPeriod;
  category?: string | null | undefined;
  startDate?: string | undefined;
  rollover: RolloverMode;
  rolloverCap?: string | number | null | undefined;
}

export async function requireBudget(db: FinanceDb, userId: string, id: string): Promise<BudgetRow> {
  const budget = await findBudget(db, { userId, id });
  if (!budget) throw new NotFoundError(`No budget ${id}`, 'budget_not_found');
  return budget;
}

/** Checks the amounts (400 naming the field) before looking anything up (404), so bad input writes nothing. */
async function toColumns(ctx: FinanceContext, db: FinanceDb, userId: string, input: BudgetFields): Promise<Omit<NewBudget, 'id' | 'user_id'>> {
  const currency = input.currency ?? (await ensureDefaultAccount(ctx, userId, db)).currency;
  const amount = parseAmount(input.amount, currency, 'amount', { positive: true });
  let cap: bigint | null = null;
  if (input.rolloverCap != null) {
    if (input.rollover === 'none')
      throw fieldError('rolloverCap', 'rolloverCap needs a rollover mode (surplus or surplus_and_deficit)', 'cap_without_rollover');
    cap = parseAmount(input.rolloverCap, currency, 'rolloverCap');
    if (cap < 0n) throw fieldError('rolloverCap', 'rolloverCap must be zero or more: it bounds the carried amount in both directions', 'invalid_amount');
  }
  const category = input.category == null ? null : await requireCategory(db, userId, input.category);
  return {
    name: input.name,
    amount,
    currency,
    period: input.period,
    category_id: category?.id ?? null,
    start_date: input.startDate ?? dateInZone(ctx.clock.now(), await userTimeZone(db, userId)),
    rollover: input.rollover,
    rollover_cap: cap,
  };
}

export async function getBudgets(ctx: FinanceContext, userId: string): Promise<BudgetRow[]> {
  return listBudgets(ctx.db, { userId });
}

/** A new or changed budget may already stand past a threshold in its current period: that is recorded too. */
export async function createBudget(ctx: FinanceContext, userId: string, input: BudgetFields): Promise<BudgetRow> {
  return ctx.db.transaction().execute(async (trx) => {
    const id = newId();
    await insertBudget(trx, { id, user_id: userId, ...(await toColumns(ctx, trx, userId, input)) }, ctx.clock.now());
    const budget = await requireBudget(trx, userId, id);
    await checkThresholds(ctx, trx, userId, [budget], ctx.clock.now());
    return budget;
  });
}

export async function replaceBudget(ctx: FinanceContext, userId: string, id: string, input: BudgetFields): Promise<BudgetRow> {
  return ctx.db.transaction().execute(async (trx) => {
    await requireBudget(trx, userId, id);
    const changes = await toColumns(ctx, trx, userId, input);
    if (!(await updateBudget(trx, { userId, id, changes, now: ctx.clock.now() }))) throw new NotFoundError(`No budget ${id}`, 'budget_not_found');
    const budget = await requireBudget(trx, userId, id);
    await checkThresholds(ctx, trx, userId, [budget], ctx.clock.now());
    return budget;
  });
}

export async function removeBudget(ctx: FinanceContext, userId: string, id: string): Promise<void> {
  if (!(await deleteBudget(ctx.db, { userId, id }))) throw new NotFoundError(`No budget ${id}`, 'budget_not_found');
}

/**
 * Each budget in the period holding a day (today by default, in the user's zone), or over the
 * periods that overlap a range of days, seen as one; a budget that has not started by then shows
 * its first period. The rollover is folded from every period since the budget's start: one grouped
 * query for all of them.
 */
export async function budgetOverview(
  ctx: FinanceContext,
  userId: string,
  query: { date?: string | undefined; from?: string | undefined; to?: string | undefined } = {},
): Promise<{ asOf: Date; timeZone: string; budgets: { budget: BudgetRow; current: LedgerPeriod }[] }> {
  const now = ctx.clock.now();
  const timeZone = await userTimeZone(ctx.db, userId);
  const window = dayWindow(query, dateInZone(now, timeZone));
  // The first and last day asked for, both inclusive.
  const [first, last] = window.kind === 'range' ? [window.firstDay, addDays(window.endDay, -1)] : [window.day, window.day];
  const budgets = await listBudgets(ctx.db, { userId });
  const throughOf = (b: BudgetRow): IsoDate => {
    const start = firstPeriodStart(b.start_date, b.period);
    return start > last ? start : last;
  };
  const through = budgets.reduce((latest, b) => (throughOf(b) > latest ? throughOf(b) : latest), last);
  const sums = spendingByBudget(await spendingByPeriod(ctx.db, { userId, budgetIds: budgets.map((b) => b.id), from: first, through, timeZone }));
  return {
    asOf: now,
    timeZone,
    budgets: budgets.flatMap((budget) => {
      const ledger = budgetLedger(termsOf(budget), sums.get(budget.id) ?? new Map<string, bigint>(), throughOf(budget));
      const overlapping = ledger.filter((p) => p.startDate <= last && p.endDate > first);
      const [head, ...rest] = overlapping.length > 0 ? overlapping : ledger.slice(-1);
      return head ? [{ budget, current: combinePeriods([head, ...rest]) }] : [];
    }),
  };
}

export async function budgetEvents(ctx: FinanceContext, userId: string, id: string, page: { limit: number; cursor?: string | undefined }) {
  await requireBudget(ctx.db, userId, id);
  return listThresholdEvents(ctx.db, {
    userId,
    budgetId: id,
    limit: page.limit,
    cursor: page.cursor === undefined ? undefined : decodeCursor(page.cursor),
  });
}
