import { newId } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import type { Transaction } from 'kysely';
import type { FinanceTables } from '../db.js';
import { formatAmount } from '../shared/money.js';
import { periodStart } from '../shared/periods.js';
import { insertThresholdEvents, lockBudgetsForSpending, spendingByPeriod, termsOf, type BudgetRow, type NewThresholdEvent } from './repo.js';
import { PERIOD_UNIT, budgetLedger, dateKey, firstPeriodStart, spendingByBudget, thresholdsReached } from './rollover.js';

const later = (a: Date, b: Date) => (a.getTime() > b.getTime() ? a : b);

/**
 * Alerts are for the current period only: a past month's crossing is news to nobody. A change of
 * spending at `changedAt` moves the current period when it falls in it or, when surpluses or
 * deficits carry, in an earlier period. A change before the budget's first period, or after the
 * current period, touches nothing.
 */
function periodsAffected(budget: BudgetRow, changedAt: Date, now: Date): { from: number; to: number } | undefined {
  const unit = PERIOD_UNIT[budget.period];
  const changed = periodStart(changedAt, unit).getTime();
  if (changed < firstPeriodStart(budget.start_date, budget.period).getTime()) return undefined;
  const current = periodStart(now, unit).getTime();
  if (changed > current || (budget.rollover === 'none' && changed !== current)) return undefined;
  return { from: current, to: current };
}

/**
 * Records, once per budget, period and threshold, each 80% / 100% crossing in the periods a
 * change at `changedAt` affects. The check reads the state, not a delta: it can run after any
 * write, any number of times, and records nothing twice (the unique key settles races).
 */
export async function checkThresholds(
  ctx: FinanceContext,
  trx: Transaction<FinanceTables>,
  userId: string,
  budgets: BudgetRow[],
  changedAt: Date,
): Promise<number> {
  const now = ctx.clock.now();
  const affected = budgets.flatMap((budget) => {
    const range = periodsAffected(budget, changedAt, now);
    return range ? [{ budget, range }] : [];
  });
  if (affected.length === 0) return 0;
  const through = later(changedAt, now);
  const sums = spendingByBudget(await spendingByPeriod(trx, { userId, budgetIds: affected.map((a) => a.budget.id), through }));
  const events: (NewThresholdEvent & { budget: BudgetRow })[] = [];
  for (const { budget, range } of affected) {
    const ledger = budgetLedger(termsOf(budget), sums.get(budget.id) ?? new Map<string, bigint>(), through);
    for (const period of ledger) {
      const at = period.start.getTime();
      if (at < range.from || at > range.to) continue;
      for (const threshold of thresholdsReached(period.spent, period.available)) {
        events.push({
          id: newId(),
          user_id: userId,
          budget_id: budget.id,
          period_start: dateKey(period.start),
          threshold,
          crossed_at: now,
          spent: period.spent,
          available: period.available,
          currency: budget.currency,
          budget,
        });
      }
    }
  }
  const recorded = await insertThresholdEvents(trx, events.map(({ budget: _budget, ...row }) => row));
  for (const event of events) {
    if (!recorded.has(event.id)) continue;
    await ctx.bus.publish(trx, 'budget.threshold_reached', userId, {
      budgetId: event.budget_id,
      name: event.budget.name,
      categoryId: event.budget.category_id,
      periodStart: event.period_start,
      threshold: event.threshold,
      spent: formatAmount(event.spent, event.currency),
      available: formatAmount(event.available, event.currency),
      currency: event.currency,
    });
  }
  return recorded.size;
}

/**
 * Call after an expense is written or changed, inside the same database transaction, with the
 * transaction's final occurredAt, category and currency. Lowering spending never crosses a
 * threshold, so the values it had before do not matter.
 */
export async function recordBudgetThresholds(
  ctx: FinanceContext,
  trx: Transaction<FinanceTables>,
  userId: string,
  change: { occurredAt: Date; categoryId: string | null; currency: string },
): Promise<number> {
  const budgets = await lockBudgetsForSpending(trx, { userId, currency: change.currency, categoryId: change.categoryId });
  return checkThresholds(ctx, trx, userId, budgets, change.occurredAt);
}
