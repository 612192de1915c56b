import { addDays, addMonths, type IsoDate } from '@expensio/common';
import type { FinanceContext } from '../../context.js';
import { formatAmount } from '../../shared/money.js';
import { divideRounded, percentOf } from '../percent.js';
import type { DayRange } from '../range.js';
import { otherCurrencies } from '../sql.js';
import { incomeStreams, type StreamRow } from './repo.js';

/** The last 12 months. */
export const defaultFrom = (to: IsoDate) => addMonths(to, -12);

/** At most this coefficient of variation, of both the intervals and the amounts, for a regular stream. */
export const REGULAR_CV = 0.25;
export const REGULAR_MIN_PAYMENTS = 3;
/** A trend below this (percent of the average per month) is falling. */
export const FALLING_TREND = -1;

const round = (value: number, decimals: number) => Number(value.toFixed(decimals));

/** How late a payment may be before it counts as missed: a quarter of its interval, at least 2 days. */
export function lateness(medianInterval: number): number {
  return Math.max(2, Math.round(medianInterval * 0.25));
}

export interface Stream {
  source: string;
  category: string | null;
  count: number;
  total: bigint;
  average: bigint;
  medianIntervalDays: number | null;
  intervalCv: number | null;
  amountCv: number;
  regular: boolean;
  trend: number | null;
  nextExpected: IsoDate | null;
}

function toStream(row: StreamRow): Stream {
  const intervalCv = row.interval_cv === null ? (row.median_interval === null ? null : 0) : round(row.interval_cv, 3);
  const amountCv = round(row.amount_cv ?? 0, 3);
  const regular = row.count >= REGULAR_MIN_PAYMENTS && intervalCv !== null && intervalCv <= REGULAR_CV && amountCv <= REGULAR_CV;
  const average = Number(row.total) / row.count;
  return {
    source: row.source,
    category: row.category,
    count: row.count,
    total: row.total,
    average: row.average,
    medianIntervalDays: row.median_interval,
    intervalCv,
    amountCv,
    regular,
    trend: row.slope === null ? null : round((row.slope / average) * 100, 2),
    nextExpected: regular && row.median_interval !== null ? addDays(row.last_day, Math.round(row.median_interval)) : null,
  };
}

export interface Reason {
  source: string;
  reason: 'irregular' | 'falling' | 'missed';
  detail: string;
}

/**
 * The share of income from regular streams, each counted in full, half when its trend falls, and
 * not at all when its expected payment is overdue by `reference` (the end of the range, or today
 * when that is earlier). Every stream that lowers the score says why.
 */
export function reliability(streams: Stream[], total: bigint, reference: IsoDate): { score: number; reasons: Reason[] } {
  if (total === 0n) return { score: 0, reasons: [] };
  let weighted = 0n;
  const reasons: Reason[] = [];
  for (const s of streams) {
    if (!s.regular) {
      reasons.push({ source: s.source, reason: 'irregular', detail: `${s.source} is irregular: ${irregularity(s)}; it does not count toward reliable income` });
      continue;
    }
    if (s.nextExpected !== null && s.medianIntervalDays !== null && addDays(s.nextExpected, lateness(s.medianIntervalDays)) < reference) {
      reasons.push({ source: s.source, reason: 'missed', detail: `${s.source}: the payment expected on ${s.nextExpected} has not arrived` });
      continue;
    }
    if (s.trend !== null && s.trend < FALLING_TREND) {
      reasons.push({ source: s.source, reason: 'falling', detail: `${s.source} is falling by ${-s.trend}% of its average a month; it counts half` });
      weighted += s.total;
      continue;
    }
    weighted += 2n * s.total;
  }
  return { score: Number(divideRounded(weighted * 10_000n, 2n * total)) / 100, reasons };
}

function irregularity(s: Stream): string {
  if (s.count < REGULAR_MIN_PAYMENTS) return `${s.count} payment${s.count === 1 ? '' : 's'} (regular needs ${REGULAR_MIN_PAYMENTS})`;
  const parts: string[] = [];
  if (s.intervalCv !== null && s.intervalCv > REGULAR_CV) parts.push(`intervals vary by ${s.intervalCv} (CV above ${REGULAR_CV})`);
  if (s.amountCv > REGULAR_CV) parts.push(`amounts vary by ${s.amountCv} (CV above ${REGULAR_CV})`);
  return parts.join(' and ');
}

/** 1 − Σ share², shares as fractions, to 3 decimals, computed exactly on the integer totals. */
export function diversification(totals: bigint[]): number {
  const all = totals.reduce((sum, t) => sum + t, 0n);
  if (all === 0n) return 0;
  const squares = totals.reduce((sum, t) => sum + t * t, 0n);
  return Number(divideRounded((all * all - squares) * 1000n, all * all)) / 1000;
}

export async function incomeStreamAnalysis(
  ctx: FinanceContext,
  input: { userId: string; currency: string; range: DayRange; timeZone: string; today: IsoDate },
) {
  const { userId, currency, range, timeZone } = input;
  const rows = await incomeStreams(ctx.db, { userId, currency, timeZone, ...range });
  const streams = rows.map(toStream);
  const total = streams.reduce((sum, s) => sum + s.total, 0n);
  const lastDay = addDays(range.to, -1);
  const reference = input.today < lastDay ? input.today : lastDay;
  const money = (minor: bigint) => formatAmount(minor, currency);
  return {
    currency,
    from: range.from,
    to: range.to,
    timeZone,
    total: money(total),
    streams: streams.map((s) => ({
      source: s.source,
      category: s.category,
      count: s.count,
      total: money(s.total),
      share: percentOf(s.total, total) ?? 0,
      averageAmount: money(s.average),
      medianIntervalDays: s.medianIntervalDays,
      intervalCv: s.intervalCv,
      amountCv: s.amountCv,
      regular: s.regular,
      trend: s.trend,
      nextExpected: s.nextExpected,
    })),
    diversification: diversification(streams.map((s) => s.total)),
    reliability: reliability(streams, total, reference),
    otherCurrencies: await otherCurrencies(ctx.db, { userId, currency, timeZone, types: ['income'], ...range }),
  };
}
