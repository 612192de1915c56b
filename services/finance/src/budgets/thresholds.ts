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

/** The day through which a change at `changed` needs the spending: its day or today, whichever is later. */
export function spendingThrough(changedAt: Date, now: Date, timeZone: string): IsoDate {
  const today = dateInZone(now, timeZone);
  const changed = dateInZone(changedAt, timeZone);
  return changed > today ? changed : today;
}

export type Crossing = NewThresholdEvent & { budget: BudgetRow };

/**
 * The 80% / 100% crossings of the current period that a change at `changedAt` shows, given each
 * budget's spending per period through spendingThrough(): what the state is, not a delta, so
 * recording them is safe after any write, any number of times.
 */
export function crossingsOf(
  userId: string,
  budgets: BudgetRow[],
  spending: ReadonlyMap<string, ReadonlyMap<string, bigint>>,
  changedAt: Date,
  now: Date,
  timeZone: string,
): Crossing[] {
  const today = dateInZone(now, timeZone);
  const changed = dateInZone(changedAt, timeZone);
  const through = spendingThrough(changedAt, now, timeZone);
  const crossings: Crossing[] = [];
  for (const budget of budgets) {
    const current = periodAffected(budget, changed, today);
    if (current === undefined) continue;
    const ledger = budgetLedger(termsOf(budget), spending.get(budget.id) ?? new Map<string, bigint>(), through);
    for (const period of ledger) {
      if (period.startDate !== current) continue;
      for (const threshold of thresholdsReached(period.spent, period.available)) {
        crossings.push({
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
  return crossings;
}

/** Records the crossings not recorded before (the unique key settles races) and announces each once. */
export async function recordCrossings(ctx: FinanceContext, trx: Transaction<FinanceTables>, userId: string, crossings: Crossing[]): Promise<number> {
  if (crossings.length === 0) return 0;
  // In key order, so two writers recording overlapping crossings wait for each other, never in a cycle.
  const ordered = [...crossings].sort(
    (a, b) => a.budget_id.localeCompare(b.budget_id) || a.period_start.localeCompare(b.period_start) || a.threshold - b.threshold,
  );
  const recorded = await insertThresholdEvents(
    trx,
    ordered.map(({ budget: _budget, ...row }) => row),
  );
  for (const event of crossings) {
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
  const affected = budgets.filter((budget) => periodAffected(budget, changed, today) !== undefined);
  if (affected.length === 0) return 0;
  const through = spendingThrough(changedAt, now, timeZone);
  const sums = spendingByBudget(await spendingByPeriod(trx, { userId, budgetIds: affected.map((b) => b.id), from: through, through, timeZone }));
  return recordCrossings(ctx, trx, userId, crossingsOf(userId, affected, sums, changedAt, now, timeZone));
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
