/**
 * What a goal's numbers mean, in bigint minor units and whole days; pure so it is tested alone.
 *
 * - percent: saved / target in hundredths of a percent, rounded down (so 100 means reached), and
 *   above 100 when more than the target is saved.
 * - monthlyNeeded: the remaining amount spread over the whole calendar months from today to the
 *   deadline (at least one: a deadline later this month needs everything now), rounded up to the
 *   minor unit so that paying it every month is enough. None without a deadline, once the target is
 *   reached, or when the deadline has passed (deadlinePassed says so).
 * - projectedCompletion: at the average net rate saved since the first contribution (saved over
 *   the days since that day, counting it as day one), the day the remaining amount is reached,
 *   rounded up to whole days. None when nothing is saved, once reached, or beyond 1,000 years.
 */
import { addDays, daysBetween, wholeMonthsBetween, type IsoDate } from '@expensio/common';

const MAX_PROJECTION_DAYS = 365_250n;

export interface GoalProgressInput {
  target: bigint;
  saved: bigint;
  deadline: IsoDate | null;
  firstContribution: IsoDate | null;
  today: IsoDate;
}

export interface GoalProgress {
  remaining: bigint;
  /** Hundredths of a percent. */
  percent: bigint;
  reached: boolean;
  monthsLeft: number | null;
  deadlinePassed: boolean;
  monthlyNeeded: bigint | null;
  projectedCompletion: IsoDate | null;
}

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

export function percentOf(saved: bigint, target: bigint): bigint {
  return (saved * 10_000n) / target;
}

/** 4567n -> "45.67" */
export function formatPercent(hundredths: bigint): string {
  return `${(hundredths / 100n).toString()}.${(hundredths % 100n).toString().padStart(2, '0')}`;
}

export function goalProgress(input: GoalProgressInput): GoalProgress {
  const { target, saved, deadline, firstContribution, today } = input;
  const reached = saved >= target;
  const remaining = reached ? 0n : target - saved;

  const deadlinePassed = deadline !== null && deadline < today;
  const monthsLeft = deadline === null ? null : deadlinePassed ? 0 : Math.max(1, wholeMonthsBetween(today, deadline));
  const monthlyNeeded = reached || monthsLeft === null || monthsLeft === 0 ? null : ceilDiv(remaining, BigInt(monthsLeft));

  let projectedCompletion: IsoDate | null = null;
  if (!reached && saved > 0n && firstContribution !== null) {
    const elapsedDays = BigInt(daysBetween(firstContribution, today) + 1);
    const daysToGo = ceilDiv(remaining * elapsedDays, saved);
    if (daysToGo <= MAX_PROJECTION_DAYS) projectedCompletion = addDays(today, Number(daysToGo));
  }

  return { remaining, percent: percentOf(saved, target), reached, monthsLeft, deadlinePassed, monthlyNeeded, projectedCompletion };
}
