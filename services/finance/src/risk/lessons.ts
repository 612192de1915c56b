import { payeeKey, type Place } from './score.js';
import { RISK } from './weights.js';

/** What one expense teaches the user's baseline once it counts as ordinary. */
export interface Lesson {
  currency: string;
  categoryId: string | null;
  amount: bigint;
  payee: string | null;
  location: Place | null;
  occurredAt: Date;
  /** The hour of day in the user's time zone; null when only the day is known. */
  hour: number | null;
}

export const ALL_SCOPE = 'all';
export const categoryScope = (categoryId: string | null) => `category:${categoryId ?? 'none'}`;

/** Many lessons summed up, as the baseline tables take them (one upsert per table). */
export interface LessonTotals {
  amounts: { currency: string; scope: string; seen: number; recent: bigint[] }[];
  payees: { merchant: string; seen: number; recent: bigint[] }[];
  locations: { country: string; city: string; seen: number }[];
  profile: { expenses: number; located: number; firstAt: Date; hours: number[] } | null;
}

export function totalLessons(lessons: readonly Lesson[]): LessonTotals {
  const amounts = new Map<string, { currency: string; scope: string; seen: number; recent: bigint[] }>();
  const payees = new Map<string, { merchant: string; seen: number; recent: bigint[] }>();
  const locations = new Map<string, { country: string; city: string; seen: number }>();
  const hours = Array.from({ length: 24 }, () => 0);
  let located = 0;
  let firstAt: Date | null = null;
  // Oldest first, so the sample keeps the latest amounts.
  const ordered = [...lessons].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  for (const lesson of ordered) {
    for (const scope of [ALL_SCOPE, categoryScope(lesson.categoryId)]) {
      const key = `${lesson.currency}|${scope}`;
      const entry = amounts.get(key) ?? { currency: lesson.currency, scope, seen: 0, recent: [] };
      entry.seen += 1;
      entry.recent.push(lesson.amount);
      if (entry.recent.length > RISK.sampleSize) entry.recent.shift();
      amounts.set(key, entry);
    }
    const payee = payeeKey(lesson.payee);
    if (payee !== null) {
      const entry = payees.get(payee) ?? { merchant: payee, seen: 0, recent: [] };
      entry.seen += 1;
      entry.recent.push(lesson.amount);
      if (entry.recent.length > RISK.merchantSampleSize) entry.recent.shift();
      payees.set(payee, entry);
    }
    if (lesson.location !== null) {
      located += 1;
      const city = lesson.location.city ?? '';
      const key = `${lesson.location.country}|${city}`;
      const place = locations.get(key) ?? { country: lesson.location.country, city, seen: 0 };
      place.seen += 1;
      locations.set(key, place);
    }
    if (lesson.hour !== null) hours[lesson.hour] = (hours[lesson.hour] ?? 0) + 1;
    if (firstAt === null || lesson.occurredAt < firstAt) firstAt = lesson.occurredAt;
  }
  return {
    amounts: [...amounts.values()],
    payees: [...payees.values()],
    locations: [...locations.values()],
    profile: firstAt === null ? null : { expenses: ordered.length, located, firstAt, hours },
  };
}
