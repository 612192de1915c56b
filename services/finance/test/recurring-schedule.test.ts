import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, isCalendarDate, toEpochDay, utcDate } from '@expensio/common';
import {
  firstIndexOnOrAfter,
  LAST_DATE,
  nextOccurrence,
  occurrenceDate,
  rescheduledIndex,
  upcomingOccurrences,
  type Frequency,
  type Schedule,
} from '../src/recurring/schedule.js';
import { matchToleranceDays, matchWindow } from '../src/recurring/matching.js';

const schedule = (startDate: string, frequency: Frequency, interval = 1, bounds: Partial<Pick<Schedule, 'endDate' | 'count'>> = {}): Schedule => ({
  startDate,
  frequency,
  interval,
  endDate: bounds.endDate ?? null,
  count: bounds.count ?? null,
});

const dates = (s: Schedule, n: number) => Array.from({ length: n }, (_, i) => occurrenceDate(s, i));

const arbDate = fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2090-12-31T00:00:00Z'), noInvalidDate: true }).map(utcDate);
const arbSchedule = fc.record({
  startDate: arbDate,
  frequency: fc.constantFrom<Frequency>('daily', 'weekly', 'monthly', 'yearly'),
  interval: fc.integer({ min: 1, max: 40 }),
});
const daysIn = (date: string) => new Date(Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)), 0)).getUTCDate();

describe('occurrence dates', () => {
  it('a monthly rule on the 31st falls on the last day of shorter months and returns to the 31st', () => {
    expect(dates(schedule('2026-01-31', 'monthly'), 8)).toEqual([
      '2026-01-31',
      '2026-02-28',
      '2026-03-31',
      '2026-04-30',
      '2026-05-31',
      '2026-06-30',
      '2026-07-31',
      '2026-08-31',
    ]);
    expect(dates(schedule('2027-12-31', 'monthly', 2), 3)).toEqual(['2027-12-31', '2028-02-29', '2028-04-30']);
    expect(dates(schedule('2026-01-30', 'monthly'), 3)).toEqual(['2026-01-30', '2026-02-28', '2026-03-30']);
  });

  it('a yearly rule on Feb 29 falls on Feb 28 in other years and on Feb 29 in leap years', () => {
    expect(dates(schedule('2024-02-29', 'yearly'), 5)).toEqual(['2024-02-29', '2025-02-28', '2026-02-28', '2027-02-28', '2028-02-29']);
    expect(dates(schedule('2096-02-29', 'yearly', 4), 2)).toEqual(['2096-02-29', '2100-02-28']);
  });

  it('daily and weekly rules step by whole days across month, year and leap-day boundaries', () => {
    expect(dates(schedule('2024-02-27', 'daily', 1), 4)).toEqual(['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01']);
    expect(dates(schedule('2025-12-22', 'weekly', 2), 3)).toEqual(['2025-12-22', '2026-01-05', '2026-01-19']);
  });

  it('rejects dates that do not exist', () => {
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(isCalendarDate('2026-04-31')).toBe(false);
    expect(isCalendarDate('2026-13-01')).toBe(false);
  });

  it('property: occurrences strictly increase and monthly/yearly ones keep the start day, clamped to the month', () => {
    fc.assert(
      fc.property(arbSchedule, fc.integer({ min: 0, max: 300 }), (s, n) => {
        fc.pre(occurrenceDate(s, n + 1) < LAST_DATE);
        const a = occurrenceDate(s, n);
        const b = occurrenceDate(s, n + 1);
        expect(a < b).toBe(true);
        if (s.frequency === 'monthly' || s.frequency === 'yearly') {
          const startDay = Number(s.startDate.slice(8));
          expect(Number(a.slice(8))).toBe(Math.min(startDay, daysIn(a)));
        } else {
          const step = (s.frequency === 'daily' ? 1 : 7) * s.interval;
          expect(toEpochDay(b) - toEpochDay(a)).toBe(step);
        }
      }),
    );
  });

  it('property: occurrence N is computed from the start, so it does not depend on the path taken', () => {
    fc.assert(
      fc.property(
        arbSchedule.filter((s) => s.frequency === 'monthly'),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        (s, i, j) => {
          // Every k-th month counted from the start: no drift from clamping in a short month on the way.
          expect(occurrenceDate(s, i + j)).toBe(occurrenceDate({ ...s, interval: 1 }, (i + j) * s.interval));
        },
      ),
    );
  });

  it('property: firstIndexOnOrAfter is the smallest index whose date is on or after the target', () => {
    fc.assert(
      fc.property(arbSchedule, arbDate, (s, target) => {
        const n = firstIndexOnOrAfter(s, target);
        expect(occurrenceDate(s, n) >= target).toBe(true);
        if (n > 0) expect(occurrenceDate(s, n - 1) < target).toBe(true);
      }),
    );
  });
});

describe('bounds and pauses', () => {
  it('count and endDate end the schedule, whichever comes first', () => {
    const s = schedule('2026-01-31', 'monthly', 1, { count: 3 });
    expect(upcomingOccurrences(s, 0, [], 10).map((o) => o.date)).toEqual(['2026-01-31', '2026-02-28', '2026-03-31']);
    expect(nextOccurrence(s, 3)).toEqual({ index: 3, date: null });
    const ended = schedule('2026-01-01', 'weekly', 1, { endDate: '2026-01-15', count: 10 });
    expect(upcomingOccurrences(ended, 0, [], 10).map((o) => o.date)).toEqual(['2026-01-01', '2026-01-08', '2026-01-15']);
  });

  it('skips occurrences strictly inside a pause window, by jumping', () => {
    const s = schedule('2026-01-01', 'daily');
    const windows = [{ pausedOn: '2026-01-03', resumedOn: '2026-01-06' }];
    expect(upcomingOccurrences(s, 0, windows, 5).map((o) => o.date)).toEqual(['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-06', '2026-01-07']);
    const years = [{ pausedOn: '2026-01-01', resumedOn: '2036-01-01' }];
    expect(nextOccurrence(s, 1, years)).toEqual({ index: 3652, date: '2036-01-01' });
    const pausedAndResumedSameDay = [{ pausedOn: '2026-01-03', resumedOn: '2026-01-03' }];
    expect(upcomingOccurrences(s, 2, pausedAndResumedSameDay, 2).map((o) => o.date)).toEqual(['2026-01-03', '2026-01-04']);
  });

  it('a schedule change applies from today and never repeats what was already passed', () => {
    const before = schedule('2026-01-15', 'monthly');
    // Jan 15, Feb 15 and Mar 15 passed; on Mar 20 the rule moves to weekly from Jan 1.
    const after = schedule('2026-01-01', 'weekly');
    const index = rescheduledIndex(before, 3, after, '2026-03-20');
    expect(occurrenceDate(after, index)).toBe('2026-03-26');
    // Changed on the day of an occurrence already posted: that date is not posted again.
    const sameDay = rescheduledIndex(before, 3, schedule('2026-01-15', 'daily'), '2026-03-15');
    expect(occurrenceDate(schedule('2026-01-15', 'daily'), sameDay)).toBe('2026-03-16');
  });

  it('handles the calendar helpers', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(utcDate(new Date('2026-03-31T23:59:59.999Z'))).toBe('2026-03-31');
    expect(occurrenceDate(schedule('9999-06-01', 'yearly'), 5)).toBe('9999-12-31');
    expect(nextOccurrence(schedule('9999-06-01', 'yearly'), 1)).toEqual({ index: 1, date: null });
  });
});

describe('matching an occurrence already in the account', () => {
  it('allows 3 days either side, never reaching nearer the neighbouring occurrence', () => {
    expect(matchToleranceDays({ frequency: 'daily', interval: 1 })).toBe(0);
    expect(matchToleranceDays({ frequency: 'daily', interval: 2 })).toBe(0);
    expect(matchToleranceDays({ frequency: 'daily', interval: 5 })).toBe(2);
    expect(matchToleranceDays({ frequency: 'daily', interval: 7 })).toBe(3);
    expect(matchToleranceDays({ frequency: 'weekly', interval: 1 })).toBe(3);
    expect(matchToleranceDays({ frequency: 'monthly', interval: 1 })).toBe(3);
    expect(matchToleranceDays({ frequency: 'yearly', interval: 1 })).toBe(3);
  });

  it('spans whole UTC days, across a month end', () => {
    expect(matchWindow('2026-03-01', 3)).toEqual({ from: new Date('2026-02-26T00:00:00Z'), to: new Date('2026-03-05T00:00:00Z') });
    expect(matchWindow('2026-03-01', 0)).toEqual({ from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-02T00:00:00Z') });
  });
});
