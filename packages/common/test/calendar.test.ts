import { describe, expect, it } from 'vitest';
import {
  addDays,
  addMonths,
  clampedDate,
  dateInZone,
  daysBetween,
  daysInMonth,
  fromEpochDay,
  isCalendarDate,
  toEpochDay,
  utcDate,
  utcMidnight,
  wholeMonthsBetween,
} from '../src/index.js';

describe('calendar dates', () => {
  it('counts whole days from 1970-01-01 both ways', () => {
    expect(toEpochDay('1970-01-01')).toBe(0);
    expect(toEpochDay('2026-03-01')).toBe(20_513);
    expect(fromEpochDay(20_513)).toBe('2026-03-01');
    expect(() => toEpochDay('2026-3-1')).toThrow('not a date');
  });

  it('adds days across month, year and leap-day boundaries', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-02-28', 1)).toBe('2025-03-01');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(daysBetween('2025-12-25', '2026-01-05')).toBe(11);
  });

  it('knows the length of each month, with months that run past the year', () => {
    expect(daysInMonth(2024, 1)).toBe(29);
    expect(daysInMonth(2025, 1)).toBe(28);
    expect(daysInMonth(2025, 12)).toBe(31); // January 2026
    expect(clampedDate(2026, 1, 31)).toBe('2026-02-28');
    expect(clampedDate(2025, 13, 30)).toBe('2026-02-28');
    expect(clampedDate(2026, -1, 31)).toBe('2025-12-31');
  });

  it('adds months keeping the day, clamped to shorter months', () => {
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2026-01-31', 2)).toBe('2026-03-31');
    expect(addMonths('2024-02-29', 12)).toBe('2025-02-28');
    expect(wholeMonthsBetween('2026-01-31', '2026-02-27')).toBe(0);
    expect(wholeMonthsBetween('2026-01-31', '2026-02-28')).toBe(1);
    expect(wholeMonthsBetween('2026-03-01', '2026-01-01')).toBe(0);
  });

  it('tells real dates from look-alikes', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2026-13-01')).toBe(false);
    expect(isCalendarDate('2026-04-00')).toBe(false);
    expect(isCalendarDate('2026-4-1')).toBe(false);
  });

  it('finds the day of an instant in UTC or in a time zone', () => {
    const at = new Date('2026-03-31T23:30:00Z');
    expect(utcDate(at)).toBe('2026-03-31');
    expect(dateInZone(at, 'Europe/Berlin')).toBe('2026-04-01');
    expect(dateInZone(new Date('2026-04-01T03:00:00Z'), 'America/New_York')).toBe('2026-03-31');
    expect(utcMidnight('2026-03-31').toISOString()).toBe('2026-03-31T00:00:00.000Z');
  });
});
