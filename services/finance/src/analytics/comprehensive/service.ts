import { addDays, type IsoDate } from '@expensio/common';
import { budgetOverview } from '../../budgets/service.js';
import type { FinanceContext } from '../../context.js';
import { amortise, NeverPaidOffError } from '../../debts/amortisation.js';
import { allDebts } from '../../debts/repo.js';
import { termsOf } from '../../debts/service.js';
import { allGoals } from '../../goals/repo.js';
import { previousRange, type DayRange } from '../range.js';
import { dayTotals, otherCurrencies } from '../sql.js';
import { expensesByCategory, expensesBySlot, largestExpenses, topMerchants, totals } from './repo.js';

/** The 30 days ending today. */
export const defaultFrom = (to: IsoDate) => addDays(to, -30);

/**
 * The figures of one range, then the state of budgets, goals and debts today. Every sum is a
 * grouped query; Node only formats.
 */
export async function comprehensive(ctx: FinanceContext, input: { userId: string; currency: string; range: DayRange; timeZone: string; today: IsoDate }) {
  const { userId, currency, range, timeZone } = input;
  const params = { userId, currency, timeZone, ...range };
  const days = await dayTotals(ctx.db, userId, timeZone);
  // Independent reads: on a pool they run side by side (PGlite, one connection, takes them in turn).
  const [sums, byCategory, merchants, largest, byWeekday, byHour, others, overview, goals, debtRows] = await Promise.all([
    totals(ctx.db, { ...params, days }),
    expensesByCategory(ctx.db, { ...params, previousFrom: previousRange(range).from }),
    topMerchants(ctx.db, { ...params, limit: 10 }),
    largestExpenses(ctx.db, { ...params, limit: 5 }),
    expensesBySlot(ctx.db, { ...params, slot: 'isodow', days }),
    expensesBySlot(ctx.db, { ...params, slot: 'hour', days }),
    otherCurrencies(ctx.db, { ...params, days }),
    budgetOverview(ctx, userId),
    allGoals(ctx.db, { userId, currency }),
    allDebts(ctx.db, { userId, currency }),
  ]);
  const debts = debtRows.map((debt) => ({ debt, payoffDate: payoffDate(debt, input.today) }));
  return {
    sums,
    byCategory,
    merchants,
    largest,
    byWeekday,
    byHour,
    others,
    budgets: overview.budgets.filter((b) => b.budget.currency === currency),
    goals,
    debts,
  };
}

/** The last payment of the debt's schedule at its minimum payment; null when it never ends. */
function payoffDate(debt: Parameters<typeof termsOf>[0], today: IsoDate): IsoDate | null {
  if (debt.balance <= 0n) return null;
  try {
    return amortise(termsOf(debt), today).payoffDate;
  } catch (error) {
    if (error instanceof NeverPaidOffError) return null;
    throw error;
  }
}
