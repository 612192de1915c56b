import { addDays, addMonths, dateParts, fromEpochDay, toEpochDay, type IsoDate } from '@expensio/common';

export type Granularity = 'day' | 'week' | 'month';

export const MAX_BUCKETS = 1000;

/** The start of the day, ISO week (Monday) or calendar month holding `day`. */
export function bucketStart(day: IsoDate, granularity: Granularity): IsoDate {
  switch (granularity) {
    case 'day':
      return day;
    case 'week': {
      const epochDay = toEpochDay(day);
      // 1970-01-01 was a Thursday: Monday-based weekday 3.
      return fromEpochDay(epochDay - ((epochDay + 3) % 7));
    }
    case 'month':
      return `${day.slice(0, 7)}-01`;
  }
}

/** How many buckets `from`..`to` (exclusive) touches, counting the cut ones at either end. */
export function bucketCount(from: IsoDate, to: IsoDate, granularity: Granularity): number {
  const first = bucketStart(from, granularity);
  const last = bucketStart(addDays(to, -1), granularity);
  switch (granularity) {
    case 'day':
      return toEpochDay(last) - toEpochDay(first) + 1;
    case 'week':
      return (toEpochDay(last) - toEpochDay(first)) / 7 + 1;
    case 'month': {
      const a = dateParts(first);
      const b = dateParts(last);
      return (b.year - a.year) * 12 + (b.month0 - a.month0) + 1;
    }
  }
}

/** Without `from`: the last 30 days, 12 ISO weeks or 12 calendar months up to `to`. */
export function defaultFrom(granularity: Granularity): (to: IsoDate) => IsoDate {
  return (to) => {
    const lastBucket = bucketStart(addDays(to, -1), granularity);
    switch (granularity) {
      case 'day':
        return addDays(to, -30);
      case 'week':
        return addDays(lastBucket, -7 * 11);
      case 'month':
        return addMonths(lastBucket, -11);
    }
  };
}
