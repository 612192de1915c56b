import { addDays, dateParts, daysInMonth, epochDayOf, fromEpochDay, toEpochDay } from '@expensio/common';

/**
 * Date math of recurring rules, pure: no clock, no database.
 *
 * Dates are UTC calendar dates written 'YYYY-MM-DD'. Occurrence N is computed from the start date,
 * never from occurrence N-1: a monthly rule starting on the 31st falls on the last day of shorter
 * months and on the 31st again after them; a yearly rule on Feb 29 falls on Feb 28 in other years.
 */
export type Frequency = 'daily' | 'weekly' | 'monthly' | 'yearly';

export interface Schedule {
  startDate: string;
  frequency: Frequency;
  /** Every `interval` days, weeks, months or years. */
  interval: number;
  /** Inclusive. */
  endDate: string | null;
  /** How many occurrences the schedule has, counted from the start (skipped ones included). */
  count: number | null;
}

/** A stretch the rule was paused: occurrences dated strictly between the two days never post. */
export interface PauseWindow {
  pausedOn: string;
  resumedOn: string;
}

/** Where the schedule stands: the occurrence at `index` falls on `date`, or the schedule is over (`date` null). */
export interface Position {
  index: number;
  date: string | null;
}

/** Dates past this cannot be written as 'YYYY-MM-DD' (nor sorted as text): a schedule ends there. */
export const LAST_DATE = '9999-12-31';

const LAST_DAY = toEpochDay(LAST_DATE);

/** The day number of occurrence `n`, ignoring the schedule's end. */
function occurrenceDay(s: Pick<Schedule, 'startDate' | 'frequency' | 'interval'>, n: number): number {
  const { year: y, month0: m, day: d } = dateParts(s.startDate);
  switch (s.frequency) {
    case 'daily':
      return epochDayOf(y, m, d) + n * s.interval;
    case 'weekly':
      return epochDayOf(y, m, d) + 7 * n * s.interval;
    case 'monthly': {
      const months = m + n * s.interval;
      const year = y + Math.floor(months / 12);
      const month = months % 12;
      return epochDayOf(year, month, Math.min(d, daysInMonth(year, month)));
    }
    case 'yearly': {
      const year = y + n * s.interval;
      return epochDayOf(year, m, Math.min(d, daysInMonth(year, m)));
    }
  }
}

/** The date of occurrence `n` (0 is the start date), ignoring the schedule's end. */
export function occurrenceDate(s: Pick<Schedule, 'startDate' | 'frequency' | 'interval'>, n: number): string {
  return fromEpochDay(Math.min(occurrenceDay(s, n), LAST_DAY));
}

/** The smallest n whose occurrence falls on or after `date`. */
export function firstIndexOnOrAfter(s: Pick<Schedule, 'startDate' | 'frequency' | 'interval'>, date: string): number {
  const target = toEpochDay(date);
  const start = toEpochDay(s.startDate);
  if (target <= start) return 0;
  let n: number;
  switch (s.frequency) {
    case 'daily':
      return Math.ceil((target - start) / s.interval);
    case 'weekly':
      return Math.ceil((target - start) / (7 * s.interval));
    case 'monthly': {
      const from = dateParts(s.startDate);
      const to = dateParts(date);
      n = Math.floor(((to.year - from.year) * 12 + (to.month0 - from.month0)) / s.interval);
      break;
    }
    case 'yearly':
      n = Math.floor((dateParts(date).year - dateParts(s.startDate).year) / s.interval);
      break;
  }
  // Occurrence n falls in the target's month (or year) or before it, so at most one step remains.
  while (occurrenceDay(s, n) < target) n += 1;
  return n;
}

/**
 * The first occurrence from `fromIndex` on that will post: inside the schedule's count and end
 * date, and outside every pause window. Skipped occurrences are jumped over, not walked.
 */
export function nextOccurrence(s: Schedule, fromIndex: number, windows: readonly PauseWindow[] = []): Position {
  const end = Math.min(s.endDate === null ? LAST_DAY : toEpochDay(s.endDate), LAST_DAY);
  let index = fromIndex;
  for (;;) {
    if (s.count !== null && index >= s.count) return { index, date: null };
    const day = occurrenceDay(s, index);
    if (day > end) return { index, date: null };
    const date = fromEpochDay(day);
    const window = windows.find((w) => w.pausedOn < date && date < w.resumedOn);
    if (window === undefined) return { index, date };
    index = Math.max(index + 1, firstIndexOnOrAfter(s, window.resumedOn));
  }
}

/** The next `limit` occurrences that will post, from `fromIndex` on. */
export function upcomingOccurrences(s: Schedule, fromIndex: number, windows: readonly PauseWindow[], limit: number): { index: number; date: string }[] {
  const items: { index: number; date: string }[] = [];
  let index = fromIndex;
  while (items.length < limit) {
    const next = nextOccurrence(s, index, windows);
    if (next.date === null) break;
    items.push({ index: next.index, date: next.date });
    index = next.index + 1;
  }
  return items;
}

/**
 * Where the cursor goes after the schedule itself changed (frequency, interval, start, end or
 * count): the change applies from `today`, so nothing before today is back-posted under the new
 * schedule, and nothing on or before the last occurrence already passed is posted again.
 */
export function rescheduledIndex(before: Schedule, cursor: number, after: Schedule, today: string): number {
  const lastPassed = cursor > 0 ? occurrenceDate(before, cursor - 1) : null;
  const from = lastPassed !== null && lastPassed >= today ? addDays(lastPassed, 1) : today;
  return firstIndexOnOrAfter(after, from);
}
