import { addDays, type IsoDate } from '@expensio/common';
import type { FinanceContext } from '../../context.js';
import { formatAmount } from '../../shared/money.js';
import { percentOf } from '../percent.js';
import type { DayRange } from '../range.js';
import { otherCurrencies } from '../sql.js';
import { byMood, byMoodAndCategory, byTrigger, moodSample } from './repo.js';

/** The last 90 days: a mood is logged on a minority of expenses, and a month holds few. */
export const defaultFrom = (to: IsoDate) => addDays(to, -90);

/** Pearson's r says little on fewer pairs. */
export const MIN_CORRELATION_PAIRS = 5;

export async function moodAnalysis(ctx: FinanceContext, input: { userId: string; currency: string; range: DayRange; timeZone: string }) {
  const { userId, currency, range, timeZone } = input;
  const p = { userId, currency, timeZone, ...range };
  const money = (minor: bigint) => formatAmount(minor, currency);
  const sums = (row: { count: number; total: bigint; average: bigint }) => ({ count: row.count, total: money(row.total), average: money(row.average) });
  const [sample, moods, pairs, triggers, others] = await Promise.all([
    moodSample(ctx.db, p),
    byMood(ctx.db, p),
    byMoodAndCategory(ctx.db, p),
    byTrigger(ctx.db, p),
    otherCurrencies(ctx.db, { userId, currency, timeZone, types: ['expense'], ...range }),
  ]);
  return {
    currency,
    from: range.from,
    to: range.to,
    timeZone,
    sampleSize: sample.count,
    byMood: moods.map((r) => ({ mood: r.mood, ...sums(r) })),
    byMoodAndCategory: pairs.map((r) => ({ mood: r.mood, category: r.category, name: r.name, ...sums(r) })),
    byTrigger: triggers.map((r) => ({ trigger: r.trigger, ...sums(r) })),
    negativeShare: {
      percent: percentOf(sample.negative, sample.total),
      amount: money(sample.negative),
      count: sample.negative_count,
      n: sample.count,
    },
    correlation: {
      intensityVsAmount: sample.count < MIN_CORRELATION_PAIRS || sample.correlation === null ? null : Number(sample.correlation.toFixed(3)),
      n: sample.count,
    },
    otherCurrencies: others,
  };
}
