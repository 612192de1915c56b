/**
 * The budget arithmetic, free of I/O: the database sums spending per period, this folds the sums
 * into what each period made available. All amounts are bigint minor units of the budget's currency.
 */
import { addPeriodsToDate, periodStartDate, type CalendarUnit, type IsoDate } from '@expensio/common';
import type { BudgetPeriod, RolloverMode } from '../db.js';

export const PERIOD_UNIT: Record<BudgetPeriod, CalendarUnit> = { weekly: 'week', monthly: 'month', yearly: 'year' };

export interface RolloverRule {
  mode: RolloverMode;
  /** Bounds the absolute value carried, whichever its sign; null carries it all. */
  cap: bigint | null;
}

export interface PeriodFigures {
  budgeted: bigint;
  /** Carried in from the period before; negative when a deficit carried. */
  rolledOver: bigint;
  spent: bigint;
  /** budgeted + rolledOver: what the period lets the user spend. */
  available: bigint;
  /** available - spent; negative once overspent. */
  remaining: bigint;
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const max = (a: bigint, b: bigint) => (a > b ? a : b);

/** What a period's remaining amount carries into the next. */
export function carryOver(remaining: bigint, rule: RolloverRule): bigint {
  switch (rule.mode) {
    case 'none':
      return 0n;
    case 'surplus': {
      const surplus = max(remaining, 0n);
      return rule.cap === null ? surplus : min(surplus, rule.cap);
    }
    case 'surplus_and_deficit':
      return rule.cap === null ? remaining : max(-rule.cap, min(remaining, rule.cap));
  }
}

/**
 * Each period's figures, given every period from the budget's first with what it spent, oldest
 * first. What carries is what was left of the whole available amount, so surpluses accumulate
 * (up to the cap).
 */
export function foldPeriods<P extends { spent: bigint }>(budgeted: bigint, periods: readonly P[], rule: RolloverRule): (P & PeriodFigures)[] {
  let carried = 0n;
  return periods.map((period) => {
    const rolledOver = carried;
    const available = budgeted + rolledOver;
    const remaining = available - period.spent;
    carried = carryOver(remaining, rule);
    return { ...period, budgeted, rolledOver, available, remaining };
  });
}

export type Threshold = 80 | 100;
export type BudgetStatus = 'ok' | 'warning' | 'over';

/**
 * The thresholds a period has reached: 80 from 80% of what is available, 100 once spending passes
 * it. Compared in integers, so 79.999% is not yet 80. With nothing available (<= 0) every spend
 * is past 100%, and zero spent of zero available counts as 80 reached (nothing is left).
 */
export function thresholdsReached(spent: bigint, available: bigint): Threshold[] {
  const reached: Threshold[] = [];
  if (spent * 100n >= available * 80n) reached.push(80);
  if (spent > available) reached.push(100);
  return reached;
}

export function statusOf(spent: bigint, available: bigint): BudgetStatus {
  const reached = thresholdsReached(spent, available);
  return reached.includes(100) ? 'over' : reached.includes(80) ? 'warning' : 'ok';
}

/**
 * spent / available as a percentage truncated to two decimals (so it never shows 80 before the
 * status says warning). Null when nothing is available: no percentage of zero or less means anything.
 */
export function percentUsed(spent: bigint, available: bigint): number | null {
  if (available <= 0n) return null;
  return Number((spent * 10_000n) / available) / 100;
}

/** The first day of the budget's first period: the period holding its start date. */
export function firstPeriodStart(startDate: IsoDate, period: BudgetPeriod): IsoDate {
  return periodStartDate(startDate, PERIOD_UNIT[period]);
}

export interface BudgetTerms {
  amount: bigint;
  period: BudgetPeriod;
  startDate: string;
  rollover: RolloverMode;
  rolloverCap: bigint | null;
}

/**
 * A period as calendar days of the user's zone; which instants those days begin at is the
 * caller's concern (startOfDayInZone), so the arithmetic stays free of zones.
 */
export interface LedgerPeriod extends PeriodFigures {
  startDate: IsoDate;
  /** Exclusive: the next period's first day. */
  endDate: IsoDate;
}

/**
 * Every period from the budget's first through the one holding the day `through` (at least the
 * first), given spending summed per period's first day. Periods with no entry spent nothing.
 */
export function budgetLedger(terms: BudgetTerms, spentByPeriod: ReadonlyMap<string, bigint>, through: IsoDate): LedgerPeriod[] {
  const unit = PERIOD_UNIT[terms.period];
  const last = periodStartDate(through, unit);
  const periods: { startDate: IsoDate; endDate: IsoDate; spent: bigint }[] = [];
  let startDate = firstPeriodStart(terms.startDate, terms.period);
  do {
    const endDate = addPeriodsToDate(startDate, unit, 1);
    periods.push({ startDate, endDate, spent: spentByPeriod.get(startDate) ?? 0n });
    startDate = endDate;
  } while (startDate <= last);
  return foldPeriods(terms.amount, periods, { mode: terms.rollover, cap: terms.rolloverCap });
}

/**
 * Consecutive periods seen as one (an overview over a range of days): what carried into the first,
 * everything budgeted and spent in all of them, and what that leaves.
 */
export function combinePeriods(periods: readonly [LedgerPeriod, ...LedgerPeriod[]]): LedgerPeriod {
  const [first] = periods;
  const last = periods[periods.length - 1] ?? first;
  const budgeted = periods.reduce((sum, p) => sum + p.budgeted, 0n);
  const spent = periods.reduce((sum, p) => sum + p.spent, 0n);
  const available = budgeted + first.rolledOver;
  return { startDate: first.startDate, endDate: last.endDate, budgeted, rolledOver: first.rolledOver, spent, available, remaining: available - spent };
}

/** Per-period sums as the database returns them, grouped by budget id then period start. */
export function spendingByBudget(rows: readonly { budget_id: string; period_start: string; spent: bigint }[]): Map<string, Map<string, bigint>> {
  const grouped = new Map<string, Map<string, bigint>>();
  for (const row of rows) {
    const periods = grouped.get(row.budget_id) ?? new Map<string, bigint>();
    periods.set(row.period_start, row.spent);
    grouped.set(row.budget_id, periods);
  }
  return grouped;
}
