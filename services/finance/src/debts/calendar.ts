import { clampedDate, dateParts, type IsoDate } from '@expensio/common';

/** Due dates: the day of the month a debt's payment falls due, clamped to shorter months. */

/** The due date with this due day in the month `offset` months after the month of `date`. */
export function dueDateInMonth(date: IsoDate, dueDay: number, offset = 0): IsoDate {
  const { year, month0 } = dateParts(date);
  return clampedDate(year, month0 + offset, dueDay);
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
