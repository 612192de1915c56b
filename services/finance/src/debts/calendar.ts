/**
 * Calendar dates ("YYYY-MM-DD", UTC) as plain strings: deadlines, due dates and payment days are
 * days, not instants, and a string never shifts with the server's time zone. Arithmetic goes
 * through whole days since 1970-01-01, which are exact integers.
 */
export type IsoDate = string;

const DAY_MS = 86_400_000;

export function toEpochDay(date: IsoDate): number {
  const [y = 0, m = 1, d = 1] = date.split('-').map(Number);
  return Date.UTC(y, m - 1, d) / DAY_MS;
}

export function fromEpochDay(day: number): IsoDate {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The UTC calendar day of an instant. */
export function utcDate(at: Date): IsoDate {
  return at.toISOString().slice(0, 10);
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
  return fromEpochDay(Date.UTC(y, m, Math.min(day, daysInMonth(y, m))) / DAY_MS);
}

function parts(date: IsoDate): { y: number; m0: number; d: number } {
  const [y = 0, m = 1, d = 1] = date.split('-').map(Number);
  return { y, m0: m - 1, d };
}

/** n calendar months later, keeping the day of the month (clamped to shorter months). */
export function addMonths(date: IsoDate, n: number): IsoDate {
  const { y, m0, d } = parts(date);
  return clampedDate(y, m0 + n, d);
}

/** Whole calendar months from `from` to `to`: the largest n with addMonths(from, n) <= to. */
export function wholeMonthsBetween(from: IsoDate, to: IsoDate): number {
  if (to < from) return 0;
  const a = parts(from);
  const b = parts(to);
  let n = (b.y - a.y) * 12 + (b.m0 - a.m0);
  while (n > 0 && addMonths(from, n) > to) n -= 1;
  return n;
}

/** The due date with this due day in the month `offset` months after the month of `date`. */
export function dueDateInMonth(date: IsoDate, dueDay: number, offset = 0): IsoDate {
  const { y, m0 } = parts(date);
  return clampedDate(y, m0 + offset, dueDay);
}

/** The due dates on either side of `date`: start <= date < end. */
export function billingPeriodAround(date: IsoDate, dueDay: number): { start: IsoDate; end: IsoDate } {
  const thisMonth = dueDateInMonth(date, dueDay);
  if (thisMonth <= date) return { start: thisMonth, end: dueDateInMonth(date, dueDay, 1) };
  return { start: dueDateInMonth(date, dueDay, -1), end: thisMonth };
}

/** The first due date strictly after `date`. */
export function nextDueDateAfter(date: IsoDate, dueDay: number): IsoDate {
  return billingPeriodAround(date, dueDay).end;
}

/** The first due date on or after `date`. */
export function dueDateOnOrAfter(date: IsoDate, dueDay: number): IsoDate {
  const thisMonth = dueDateInMonth(date, dueDay);
  return thisMonth >= date ? thisMonth : dueDateInMonth(date, dueDay, 1);
}
