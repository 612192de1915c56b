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
  let format = dayFormats.get(timeZone);
  if (format === undefined) {
    // en-CA writes dates as YYYY-MM-DD.
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, format);
  }
  return format.format(at);
}

/**
 * One formatter per zone: building one costs far more than formatting with it (it loads the
 * zone's rules), and every request that counts days in the user's zone asks. Zones are a few hundred
 * names at most, and a name that is not one throws before it is stored.
 */
const dayFormats = new Map<string, Intl.DateTimeFormat>();

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

/** Every user's zone until they choose one. */
export const DEFAULT_TIME_ZONE = 'UTC';

// IANA names are ASCII words joined by slashes ("America/Argentina/Buenos_Aires", "Etc/GMT+5");
// the pattern keeps offsets, locale tricks and control characters out before Intl is asked.
const ZONE_NAME_RE = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9][A-Za-z0-9_+-]*){0,2}$/;

/** True for a time zone name this runtime knows ("Europe/Berlin", "UTC", links such as "US/Eastern"). */
export function isTimeZone(name: string): boolean {
  if (name.length > 64 || !ZONE_NAME_RE.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const wallClocks = new Map<string, Intl.DateTimeFormat>();

function wallClock(timeZone: string): Intl.DateTimeFormat {
  let format = wallClocks.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    wallClocks.set(timeZone, format);
  }
  return format;
}

/** How far the zone's wall clock is ahead of UTC at an instant (negative west of Greenwich). */
export function zoneOffsetMs(at: Date, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of wallClock(timeZone).formatToParts(at)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const asUtc = Date.UTC(parts.year ?? 0, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/**
 * The instant a calendar day begins in a zone: 2026-11-30 in New York is 05:00 UTC. Where the
 * clocks jump over midnight (Santiago's spring) the day begins at the jump, 01:00 local; where
 * midnight happens twice, at the first. Agrees with PostgreSQL's `date::timestamp AT TIME ZONE`.
 */
export function startOfDayInZone(date: IsoDate, timeZone: string): Date {
  const wall = toEpochDay(date) * DAY_MS;
  // The offsets a day either side: at most one change of offset falls between them.
  const before = zoneOffsetMs(new Date(wall - DAY_MS), timeZone);
  const after = zoneOffsetMs(new Date(wall + DAY_MS), timeZone);
  const candidates = [wall - before, wall - after].sort((a, b) => a - b);
  for (const at of candidates) {
    if (zoneOffsetMs(new Date(at), timeZone) === wall - at) return new Date(at);
  }
  // Midnight does not exist: the first instant after the gap reads as the same day.
  return new Date(wall - before);
}

/** Units a calendar period comes in; ISO weeks begin on Monday. */
export type CalendarUnit = 'week' | 'month' | 'quarter' | 'year';

/** The first day of the week, month, quarter or year holding a date. */
export function periodStartDate(date: IsoDate, unit: CalendarUnit): IsoDate {
  const { year, month0, day } = dateParts(date);
  switch (unit) {
    case 'week': {
      const epochDay = epochDayOf(year, month0, day);
      // 1970-01-01 was a Thursday: three days after a Monday.
      return fromEpochDay(epochDay - ((((epochDay + 3) % 7) + 7) % 7));
    }
    case 'month':
      return fromEpochDay(epochDayOf(year, month0, 1));
    case 'quarter':
      return fromEpochDay(epochDayOf(year, month0 - (month0 % 3), 1));
    case 'year':
      return fromEpochDay(epochDayOf(year, 0, 1));
  }
}

/** The start of the period `count` periods after the one starting on `start` (a period start). */
export function addPeriodsToDate(start: IsoDate, unit: CalendarUnit, count: number): IsoDate {
  switch (unit) {
    case 'week':
      return addDays(start, 7 * count);
    case 'month':
      return addMonths(start, count);
    case 'quarter':
      return addMonths(start, 3 * count);
    case 'year':
      return addMonths(start, 12 * count);
  }
}

/** A calendar period in a zone: its first and next period's first day, and the instants they begin. */
export interface ZonedPeriod {
  startDate: IsoDate;
  /** Exclusive: the first day of the next period. */
  endDate: IsoDate;
  start: Date;
  /** Exclusive. */
  end: Date;
}

export function zonedPeriodFrom(startDate: IsoDate, unit: CalendarUnit, timeZone: string): ZonedPeriod {
  const endDate = addPeriodsToDate(startDate, unit, 1);
  return { startDate, endDate, start: startOfDayInZone(startDate, timeZone), end: startOfDayInZone(endDate, timeZone) };
}

/** The week, month, quarter or year holding a day, as the zone's clocks count it. */
export function zonedPeriodOf(date: IsoDate, unit: CalendarUnit, timeZone: string): ZonedPeriod {
  return zonedPeriodFrom(periodStartDate(date, unit), unit, timeZone);
}

/**
 * The instant an input names: a date-time keeps its own offset's meaning, a date alone
 * ("2026-11-30") means that day's midnight in the user's zone.
 */
export function instantInZone(value: string, timeZone: string): Date {
  return DATE_RE.test(value) ? startOfDayInZone(value, timeZone) : new Date(value);
}
