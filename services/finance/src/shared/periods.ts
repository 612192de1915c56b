/**
 * Calendar periods in UTC. ISO weeks start on Monday; months and years are calendar ones.
 * Budgets and summaries agree on these boundaries because both use this module.
 */
export type PeriodUnit = 'week' | 'month' | 'quarter' | 'year';

export interface Period {
  start: Date;
  /** Exclusive. */
  end: Date;
}

function utc(year: number, month: number, day: number): Date {
  return new Date(Date.UTC(year, month, day));
}

export function periodStart(at: Date, unit: PeriodUnit): Date {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  switch (unit) {
    case 'week': {
      const mondayOffset = (at.getUTCDay() + 6) % 7;
      return utc(y, m, at.getUTCDate() - mondayOffset);
    }
    case 'month':
      return utc(y, m, 1);
    case 'quarter':
      return utc(y, m - (m % 3), 1);
    case 'year':
      return utc(y, 0, 1);
  }
}

export function addPeriods(start: Date, unit: PeriodUnit, count: number): Date {
  const y = start.getUTCFullYear();
  const m = start.getUTCMonth();
  const d = start.getUTCDate();
  switch (unit) {
    case 'week':
      return utc(y, m, d + 7 * count);
    case 'month':
      return utc(y, m + count, d);
    case 'quarter':
      return utc(y, m + 3 * count, d);
    case 'year':
      return utc(y + count, m, d);
  }
}

export function periodContaining(at: Date, unit: PeriodUnit): Period {
  const start = periodStart(at, unit);
  return { start, end: addPeriods(start, unit, 1) };
}
