import { ValidationError, addDays, addMonths, dateInZone, daysBetween, type Clock, type IsoDate } from '@expensio/common';

/** The longest range any analytics route answers for. */
export const MAX_RANGE_YEARS = 10;

/** A span of the caller's calendar days: `from` inclusive, `to` exclusive. */
export interface DayRange {
  from: IsoDate;
  to: IsoDate;
}

export function queryError(field: string, message: string, code = 'invalid_range'): ValidationError {
  return new ValidationError(`${field} ${message}`, [{ field, in: 'querystring', message, code }]);
}

/** Today in the caller's time zone. */
export function localToday(clock: Clock, timeZone: string): IsoDate {
  return dateInZone(clock.now(), timeZone);
}

/**
 * The range asked for, with defaults filled from `fallback(to)` (which gets the end of the range,
 * tomorrow by default, so the range covers today). A `from` not before `to` or a range longer than
 * ten years is a 400 naming the field.
 */
export function resolveRange(input: { from?: IsoDate | undefined; to?: IsoDate | undefined }, today: IsoDate, fallback: (to: IsoDate) => IsoDate): DayRange {
  const to = input.to ?? addDays(today, 1);
  const from = input.from ?? fallback(to);
  if (from >= to) throw queryError(input.from === undefined ? 'to' : 'from', `must be before to (from ${from}, to ${to})`);
  if (to > addMonths(from, 12 * MAX_RANGE_YEARS)) throw queryError('to', `must be at most ${MAX_RANGE_YEARS} years after from`, 'range_too_long');
  return { from, to };
}

/** The range of the same length just before `range`. */
export function previousRange(range: DayRange): DayRange {
  return { from: addDays(range.from, -daysBetween(range.from, range.to)), to: range.from };
}
