import { dateInZone, newId, periodStartDate, type IsoDate } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import type { Transaction } from 'kysely';
import type { FinanceTables } from '../db.js';
import { formatAmount } from '../shared/money.js';
import { userTimeZone } from '../users/time-zone.js';
import { insertThresholdEvents, lockBudgetsForSpending, spendingByPeriod, termsOf, type BudgetRow, type NewThresholdEvent } from './repo.js';
import { PERIOD_UNIT, budgetLedger, firstPeriodStart, spendingByBudget, thresholdsReached } from './rollover.js';

/**
 * Alerts are for the current period only: a past month's crossing is news to nobody. A change of
 * spending on day `changed` (the user's calendar) moves the current period when it falls in it
 * or, when surpluses or deficits carry, in an earlier period. A change before the budget's first
 * period, or after the current period, touches nothing. Returns the current period's first day.
 */
function periodAffected(budget: BudgetRow, changed: IsoDate, today: IsoDate): IsoDate | undefined {
  const unit = PERIOD_UNIT[budget.period];
  const changedPeriod = periodStartDate(changed, unit);
  if (changedPeriod < firstPeriodStart(budget.start_date, budget.period)) return undefined;
  const current = periodStartDate(today, unit);
  if (changedPeriod > current || (budget.rollover === 'none' && changedPeriod !== current)) return undefined;
  return current;
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
  /** The user's zone when the caller has already read it. */
  knownTimeZone?: string,
): Promise<number> {
  if (budgets.length === 0) return 0;
  const timeZone = knownTimeZone ?? (await userTimeZone(trx, userId));
  const now = ctx.clock.now();
  const today = dateInZone(now, timeZone);
  const changed = dateInZone(changedAt, timeZone);
  const affected = budgets.flatMap((budget) => {
    const current = periodAffected(budget, changed, today);
    return current === undefined ? [] : [{ budget, current }];
  });
  if (affected.length === 0) return 0;
  const through = changed > today ? changed : today;
  const sums = spendingByBudget(await spendingByPeriod(trx, { userId, budgetIds: affected.map((a) => a.budget.id), through, timeZone }));
  const events: (NewThresholdEvent & { budget: BudgetRow })[] = [];
  for (const { budget, current } of affected) {
    const ledger = budgetLedger(termsOf(budget), sums.get(budget.id) ?? new Map<string, bigint>(), through);
    for (const period of ledger) {
      if (period.startDate !== current) continue;
      for (const threshold of thresholdsReached(period.spent, period.available)) {
        events.push({
          id: newId(),
          user_id: userId,
          budget_id: budget.id,
          period_start: period.startDate,
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
  const recorded = await insertThresholdEvents(
    trx,
    events.map(({ budget: _budget, ...row }) => row),
  );
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
