import { DAY_MS } from './clock.js';

/**
 * Calendar dates as "YYYY-MM-DD" strings: due dates, deadlines and schedule days are days, not
 * instants, and a string never shifts with the server's time zone (and sorts as text). Arithmetic
 * goes through whole days since 1970-01-01, which are exact integers. Every function takes plain
 * dates; which day an instant falls on is the caller's choice of zone (`utcDate`, `dateInZone`).
 */
export type IsoDate = string;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Year, month (0-11, as Date.UTC takes it) and day of a date; throws for text that is no date. */
export function dateParts(date: IsoDate): { year: number; month0: number; day: number } {
  const match = DATE_RE.exec(date);
  if (!match) throw new Error(`not a date: ${date}`);
  return { year: Number(match[1]), month0: Number(match[2]) - 1, day: Number(match[3]) };
}

/** True for a real calendar date (rejects 2026-02-30). */
export function isCalendarDate(date: string): boolean {
  if (!DATE_RE.test(date)) return false;
  const { year, month0, day } = dateParts(date);
  return month0 <= 11 && day >= 1 && day <= daysInMonth(year, month0);
}

/** Days since 1970-01-01 of a year, month (0-11; may run past either end) and day. */
export function epochDayOf(year: number, month0: number, day: number): number {
  return Date.UTC(year, month0, day) / DAY_MS;
}

export function toEpochDay(date: IsoDate): number {
  const { year, month0, day } = dateParts(date);
  return epochDayOf(year, month0, day);
}

export function fromEpochDay(day: number): IsoDate {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The UTC calendar day of an instant. */
export function utcDate(at: Date): IsoDate {
  return at.toISOString().slice(0, 10);
}

/** The instant a date starts in UTC. */
export function utcMidnight(date: IsoDate): Date {
  return new Date(toEpochDay(date) * DAY_MS);
}

/**
 * The calendar day of an instant in an IANA time zone ("Europe/Berlin"), for when users keep
 * their own: 23:30 UTC on 31 March is already 1 April in Berlin.
 */
export function dateInZone(at: Date, timeZone: string): IsoDate {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  return fromEpochDay(toEpochDay(date) + days);
}

export function daysBetween(from: IsoDate, to: IsoDate): number {
  return toEpochDay(to) - toEpochDay(from);
}

/** month0 may run past 11 or below 0; it rolls into the next or previous years. */
export function daysInMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

/** The given day of a month, or the month's last day when the month is shorter (31 -> 28 Feb). */
export function clampedDate(year: number, month0: number, day: number): IsoDate {
  const first = new Date(Date.UTC(year, month0, 1));
  const y = first.getUTCFullYear();
  const m = first.getUTCMonth();
  return fromEpochDay(epochDayOf(y, m, Math.min(day, daysInMonth(y, m))));
}

/** n calendar months later, keeping the day of the month (clamped to shorter months). */
export function addMonths(date: IsoDate, n: number): IsoDate {
  const { year, month0, day } = dateParts(date);
  return clampedDate(year, month0 + n, day);
}

/** Whole calendar months from `from` to `to`: the largest n with addMonths(from, n) <= to. */
export function wholeMonthsBetween(from: IsoDate, to: IsoDate): number {
  if (to < from) return 0;
  const a = dateParts(from);
  const b = dateParts(to);
  let n = (b.year - a.year) * 12 + (b.month0 - a.month0);
  while (n > 0 && addMonths(from, n) > to) n -= 1;
  return n;
}
