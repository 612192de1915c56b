import { createHash } from 'node:crypto';
import { addDays, addMonths, type IsoDate } from '@expensio/common';
import type { Frequency } from '../../db.js';

export const INTERVALS = ['weekly', 'monthly', 'quarterly', 'yearly'] as const;
export type Interval = (typeof INTERVALS)[number];

/** How far a charge may land from the day the cadence expects it. */
export const TOLERANCE_DAYS: Record<Interval, number> = { weekly: 1, monthly: 3, quarterly: 5, yearly: 7 };
export const MIN_CHARGES: Record<Interval, number> = { weekly: 3, monthly: 3, quarterly: 3, yearly: 2 };
export const PER_YEAR: Record<Interval, bigint> = { weekly: 52n, monthly: 12n, quarterly: 4n, yearly: 1n };

/** The day `n` intervals after `day`; months keep the day of the month (31 → 28 February). */
export function advance(day: IsoDate, interval: Interval, n = 1): IsoDate {
  switch (interval) {
    case 'weekly':
      return addDays(day, 7 * n);
    case 'monthly':
      return addMonths(day, n);
    case 'quarterly':
      return addMonths(day, 3 * n);
    case 'yearly':
      return addMonths(day, 12 * n);
  }
}

/** The recurring rule schedule that posts on the same cadence. */
export function ruleFrequency(interval: Interval): { frequency: Frequency; interval: number } {
  switch (interval) {
    case 'weekly':
      return { frequency: 'weekly', interval: 1 };
    case 'monthly':
      return { frequency: 'monthly', interval: 1 };
    case 'quarterly':
      return { frequency: 'monthly', interval: 3 };
    case 'yearly':
      return { frequency: 'yearly', interval: 1 };
  }
}

/**
 * A stable id from what identifies a subscription (merchant without case, currency, interval): the
 * same on every call, with no table to keep. Shaped as a UUID (version 8, RFC 9562's custom layout).
 */
export function subscriptionId(key: string, currency: string, interval: Interval): string {
  const hex = createHash('sha256').update(`${key}\u0000${currency}\u0000${interval}`).digest('hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export type Status = 'active' | 'missed' | 'cancelled';

/** Missed once the next charge is later than its tolerance; cancelled once two have been missed. */
export function statusOf(lastCharged: IsoDate, interval: Interval, today: IsoDate): Status {
  const tolerance = TOLERANCE_DAYS[interval];
  if (today > addDays(advance(lastCharged, interval, 2), tolerance)) return 'cancelled';
  if (today > addDays(advance(lastCharged, interval, 1), tolerance)) return 'missed';
  return 'active';
}
