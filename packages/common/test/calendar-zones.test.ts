import { describe, expect, it } from 'vitest';
import { addPeriodsToDate, instantInZone, isTimeZone, periodStartDate, startOfDayInZone, zonedPeriodOf, zoneOffsetMs } from '../src/calendar.js';

describe('time zone names', () => {
  it('accepts IANA names and links the runtime knows, and refuses the rest', () => {
    for (const name of ['UTC', 'America/New_York', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5', 'US/Eastern', 'Asia/Kolkata'])
      expect(isTimeZone(name), name).toBe(true);
    for (const name of ['', 'Mars/Olympus_Mons', '+01:00', 'America/New_York\u0000', 'Europe/../etc', ' UTC', 'x'.repeat(65)])
      expect(isTimeZone(name), name).toBe(false);
  });
});

describe('startOfDayInZone', () => {
  it('is the instant a day begins there, on either side of daylight saving', () => {
    expect(startOfDayInZone('2026-11-30', 'America/New_York').toISOString()).toBe('2026-11-30T05:00:00.000Z');
    expect(startOfDayInZone('2026-07-04', 'America/New_York').toISOString()).toBe('2026-07-04T04:00:00.000Z');
    expect(startOfDayInZone('2026-03-29', 'Europe/Berlin').toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(startOfDayInZone('2026-11-30', 'Asia/Kolkata').toISOString()).toBe('2026-11-29T18:30:00.000Z');
    expect(startOfDayInZone('2026-11-30', 'UTC').toISOString()).toBe('2026-11-30T00:00:00.000Z');
  });

  it('where the clocks skip midnight, is the first instant of the day (as PostgreSQL says)', () => {
    // Santiago springs from 00:00 to 01:00 on 6 September 2026: the day begins at 01:00 -03.
    expect(startOfDayInZone('2026-09-06', 'America/Santiago').toISOString()).toBe('2026-09-06T04:00:00.000Z');
  });

  it('reads offsets west of Greenwich as negative', () => {
    expect(zoneOffsetMs(new Date('2026-01-15T12:00:00Z'), 'America/New_York')).toBe(-5 * 3_600_000);
  });
});

describe('periods of days', () => {
  it('starts weeks on Monday, months, quarters and years on their first day', () => {
    expect(periodStartDate('2026-12-02', 'week')).toBe('2026-11-30');
    expect(periodStartDate('2026-11-29', 'week')).toBe('2026-11-23');
    expect(periodStartDate('2026-01-01', 'week')).toBe('2025-12-29');
    expect(periodStartDate('2026-08-15', 'quarter')).toBe('2026-07-01');
    expect(periodStartDate('2026-08-15', 'year')).toBe('2026-01-01');
    expect(addPeriodsToDate('2026-11-30', 'week', 1)).toBe('2026-12-07');
    expect(addPeriodsToDate('2026-11-01', 'quarter', 1)).toBe('2027-02-01');
  });

  it('a zoned period begins and ends at the zone’s midnights', () => {
    expect(zonedPeriodOf('2026-11-30', 'month', 'America/New_York')).toEqual({
      startDate: '2026-11-01',
      endDate: '2026-12-01',
      start: new Date('2026-11-01T04:00:00.000Z'),
      end: new Date('2026-12-01T05:00:00.000Z'),
    });
  });

  it('a date alone is the zone’s midnight; a date-time keeps its offset', () => {
    expect(instantInZone('2026-11-30', 'America/New_York').toISOString()).toBe('2026-11-30T05:00:00.000Z');
    expect(instantInZone('2026-11-30T20:00:00-05:00', 'Asia/Tokyo').toISOString()).toBe('2026-12-01T01:00:00.000Z');
  });
});
