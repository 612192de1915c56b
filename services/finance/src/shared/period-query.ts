import { z } from 'zod';
import { addDays, daysBetween, type IsoDate } from '@expensio/common';
import { dayInput as day } from './http.js';

/** The longest from/to range: ten years, so one request cannot ask for centuries of periods. */
export const MAX_RANGE_DAYS = 3660;

/** `date` picks the period holding that day; `from` and `to` pick days, both inclusive. All days are the user's. */
export const periodQueryShape = {
  date: day.optional().describe('Any day inside the wanted period, in your time zone (default: today). Not with from/to'),
  from: day.optional().describe('First day of a range, inclusive, in your time zone; needs to'),
  to: day.optional().describe('Last day of a range, inclusive, in your time zone; needs from'),
};

type PeriodQuery = { date?: string | undefined; from?: string | undefined; to?: string | undefined };

/** Refuses a query naming both ways, half a range, or a range that ends before it starts, naming the field. */
export function checkPeriodQuery(query: PeriodQuery, ctx: z.RefinementCtx): void {
  const issue = (field: keyof PeriodQuery, message: string) => {
    ctx.addIssue({ code: 'custom', path: [field], message });
  };
  if (query.date !== undefined && (query.from !== undefined || query.to !== undefined)) issue('date', 'give either date or from/to, not both');
  else if (query.from !== undefined && query.to === undefined) issue('to', 'to is needed with from');
  else if (query.to !== undefined && query.from === undefined) issue('from', 'from is needed with to');
  else if (query.from !== undefined && query.to !== undefined) {
    if (query.to < query.from) issue('to', 'to must be on or after from');
    else if (daysBetween(query.from, query.to) >= MAX_RANGE_DAYS) issue('to', `a range may span at most ${MAX_RANGE_DAYS} days`);
  }
}

/** The days a checked query names: the period holding `date` (or today) is the caller's to find. */
export type DayWindow = { kind: 'range'; firstDay: IsoDate; endDay: IsoDate } | { kind: 'period'; day: IsoDate };

export function dayWindow(query: PeriodQuery, today: IsoDate): DayWindow {
  if (query.from !== undefined && query.to !== undefined) return { kind: 'range', firstDay: query.from, endDay: addDays(query.to, 1) };
  return { kind: 'period', day: query.date ?? today };
}
