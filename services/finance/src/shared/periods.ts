import { dateInZone, zonedPeriodOf, type CalendarUnit, type ZonedPeriod } from '@expensio/common';

/**
 * Calendar periods as the user's clocks count them (ISO weeks from Monday, calendar months,
 * quarters and years in their time zone; see users/time-zone.ts). Budgets and summaries agree on
 * these boundaries because both use this module and the calendar in @expensio/common.
 */
export type PeriodUnit = CalendarUnit;
export type Period = ZonedPeriod;

/** The period holding an instant in the zone. */
export function periodContaining(at: Date, unit: PeriodUnit, timeZone: string): Period {
  return zonedPeriodOf(dateInZone(at, timeZone), unit, timeZone);
}
