import { addDays } from '@expensio/common';
import type { Frequency, Schedule } from './schedule.js';

/**
 * How far (in days, either side) from an occurrence's date a transaction already in the account
 * may lie and still be that occurrence: banks book a monthly charge a day or two off its date,
 * more around weekends and holidays.
 */
export const MATCH_TOLERANCE_DAYS = 3;

/** The shortest gap between two occurrences of a frequency, in days. */
const SHORTEST_GAP: Record<Frequency, number> = { daily: 1, weekly: 7, monthly: 28, yearly: 365 };

/**
 * The tolerance for one rule: never so wide that a transaction could lie closer to the next
 * occurrence than to this one (a daily rule matches only its own day).
 */
export function matchToleranceDays(schedule: Pick<Schedule, 'frequency' | 'interval'>): number {
  const gap = SHORTEST_GAP[schedule.frequency] * schedule.interval;
  return Math.min(MATCH_TOLERANCE_DAYS, Math.floor((gap - 1) / 2));
}

/** The instants a matching transaction may fall within: [from, to), whole UTC days. */
export function matchWindow(occurrenceDate: string, toleranceDays: number): { from: Date; to: Date } {
  return {
    from: new Date(`${addDays(occurrenceDate, -toleranceDays)}T00:00:00.000Z`),
    to: new Date(`${addDays(occurrenceDate, toleranceDays + 1)}T00:00:00.000Z`),
  };
}
