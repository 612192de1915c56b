import { addDays, addPeriodsToDate, daysBetween, periodStartDate, wholeMonthsBetween, type IsoDate } from '@expensio/common';
import type { Granularity } from './model/select.js';

/**
 * Forecast periods as calendar dates in the user's zone: days, ISO weeks from Monday, calendar
 * months, each named by its first day. Pure date arithmetic; which day "today" is, is the caller's.
 */
export function periodStartOf(date: IsoDate, granularity: Granularity): IsoDate {
  return granularity === 'day' ? date : periodStartDate(date, granularity);
}

/** The start of the period `count` periods after the one starting on `start` (before it when negative). */
export function shiftPeriod(start: IsoDate, granularity: Granularity, count: number): IsoDate {
  return granularity === 'day' ? addDays(start, count) : addPeriodsToDate(start, granularity, count);
}

/** Whole periods from one period start to a later one. */
export function periodsBetween(from: IsoDate, to: IsoDate, granularity: Granularity): number {
  switch (granularity) {
    case 'day':
      return daysBetween(from, to);
    case 'week':
      return daysBetween(from, to) / 7;
    case 'month':
      return wholeMonthsBetween(from, to);
  }
}

export const HORIZONS: Record<Granularity, { default: number; max: number }> = {
  day: { default: 30, max: 90 },
  week: { default: 8, max: 26 },
  month: { default: 3, max: 12 },
};

/**
 * The most history a forecast reads: beyond three years of days (five of weeks, ten of months) old
 * habits say little about next month, and the fit would only grow slower.
 */
export const MAX_HISTORY: Record<Granularity, number> = { day: 3 * 366, week: 5 * 53, month: 10 * 12 };

export const GRANULARITY_NAMES: Record<Granularity, { singular: string; plural: string; adjective: string }> = {
  day: { singular: 'day', plural: 'days', adjective: 'daily' },
  week: { singular: 'week', plural: 'weeks', adjective: 'weekly' },
  month: { singular: 'month', plural: 'months', adjective: 'monthly' },
};
