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

const DAY_MS = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Dates past this cannot be written as 'YYYY-MM-DD' (nor sorted as text): a schedule ends there. */
export const LAST_DATE = '9999-12-31';

interface Ymd {
  y: number;
  m: number;
  d: number;
}

function parse(date: string): Ymd {
  const match = DATE_RE.exec(date);
  if (!match) throw new Error(`not a date: ${date}`);
  return { y: Number(match[1]), m: Number(match[2]) - 1, d: Number(match[3]) };
}

function dayOf(y: number, m: number, d: number): number {
  return Date.UTC(y, m, d) / DAY_MS;
}

/** Days since 1970-01-01. */
export function dayNumber(date: string): number {
  const { y, m, d } = parse(date);
  return dayOf(y, m, d);
}

export function dateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The UTC calendar date of an instant. */
export function utcDate(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return dateOfDay(dayNumber(date) + days);
}

/** True for a real calendar date (rejects 2026-02-30). */
export function isCalendarDate(date: string): boolean {
  if (!DATE_RE.test(date)) return false;
  const { y, m, d } = parse(date);
  return m <= 11 && d >= 1 && d <= daysInMonth(y, m);
}

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
}

const LAST_DAY = dayNumber(LAST_DATE);

/** The day number of occurrence `n`, ignoring the schedule's end. */
function occurrenceDay(s: Pick<Schedule, 'startDate' | 'frequency' | 'interval'>, n: number): number {
  const { y, m, d } = parse(s.startDate);
  switch (s.frequency) {
    case 'daily':
      return dayOf(y, m, d) + n * s.interval;
    case 'weekly':
      return dayOf(y, m, d) + 7 * n * s.interval;
    case 'monthly': {
      const months = m + n * s.interval;
      const year = y + Math.floor(months / 12);
      const month = months % 12;
      return dayOf(year, month, Math.min(d, daysInMonth(year, month)));
    }
    case 'yearly': {
      const year = y + n * s.interval;
      return dayOf(year, m, Math.min(d, daysInMonth(year, m)));
    }
  }
}

/** The date of occurrence `n` (0 is the start date), ignoring the schedule's end. */
export function occurrenceDate(s: Pick<Schedule, 'startDate' | 'frequency' | 'interval'>, n: number): string {
  return dateOfDay(Math.min(occurrenceDay(s, n), LAST_DAY));
}

/** The smallest n whose occurrence falls on or after `date`. */
export function firstIndexOnOrAfter(s: Pick<Schedule, 'startDate' | 'frequency' | 'interval'>, date: string): number {
  const target = dayNumber(date);
  const start = dayNumber(s.startDate);
  if (target <= start) return 0;
  let n: number;
  switch (s.frequency) {
    case 'daily':
      return Math.ceil((target - start) / s.interval);
    case 'weekly':
      return Math.ceil((target - start) / (7 * s.interval));
    case 'monthly': {
      const from = parse(s.startDate);
      const to = parse(date);
      n = Math.floor(((to.y - from.y) * 12 + (to.m - from.m)) / s.interval);
      break;
    }
    case 'yearly':
      n = Math.floor((parse(date).y - parse(s.startDate).y) / s.interval);
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
  const end = Math.min(s.endDate === null ? LAST_DAY : dayNumber(s.endDate), LAST_DAY);
  let index = fromIndex;
  for (;;) {
    if (s.count !== null && index >= s.count) return { index, date: null };
    const day = occurrenceDay(s, index);
    if (day > end) return { index, date: null };
    const date = dateOfDay(day);
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
