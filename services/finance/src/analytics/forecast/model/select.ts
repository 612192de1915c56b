import { backtest, originsFor, type BacktestResult } from './backtest.js';
import { etsCandidate } from './ets.js';
import { yearlyWeeklyCandidate } from './fourier.js';
import type { Candidate } from './model.js';
import { quantile, seededRandom } from './random.js';
import { seasonalNaiveCandidate } from './seasonal-naive.js';

export type Granularity = 'day' | 'week' | 'month';

interface GranularityPlan {
  /** Periods in the long (yearly) season. */
  year: number;
  /** The short season (a week of days), if any. */
  short: number | null;
  /** Periods each backtest origin forecasts, and between origins. */
  backtestHorizon: number;
  maxOrigins: number;
}

const PLANS: Record<Granularity, GranularityPlan> = {
  day: { year: 365, short: 7, backtestHorizon: 7, maxOrigins: 6 },
  week: { year: 52, short: null, backtestHorizon: 4, maxOrigins: 6 },
  month: { year: 12, short: null, backtestHorizon: 3, maxOrigins: 4 },
};

/** The history below which no forecast is made: two cycles of the shortest season, and never fewer than 8 periods. */
export function minimumHistory(granularity: Granularity): number {
  const plan = PLANS[granularity];
  return Math.max(8, 2 * (plan.short ?? 1));
}

/**
 * The season and the candidates for a history of n complete periods. Days always carry the weekly
 * season, and the yearly one as a smooth curve from two years on; weeks and months carry the yearly
 * season (52 or 12 periods) once two years exist, and are non-seasonal before.
 */
export function candidatesFor(granularity: Granularity, n: number): { period: number; candidates: Candidate[] } {
  const plan = PLANS[granularity];
  const period = plan.short ?? (n >= 2 * plan.year ? plan.year : 1);
  const candidates: Candidate[] = [
    seasonalNaiveCandidate(period),
    etsCandidate({ trend: 'none', period: 1 }),
    ...(period > 1
      ? [etsCandidate({ trend: 'none', period }), etsCandidate({ trend: 'additive', period }), etsCandidate({ trend: 'damped', period })]
      : [etsCandidate({ trend: 'damped', period: 1 })]),
  ];
  if (granularity === 'day') candidates.push(yearlyWeeklyCandidate());
  return { period, candidates };
}

export interface SeriesForecast {
  model: { name: string; parameters: Record<string, number> };
  backtest: { metric: 'MASE'; model: number; seasonalNaive: number; origins: number; horizon: number; candidates: { name: string; mase: number }[] };
  /** One per period ahead, never negative, lower ≤ expected ≤ upper. */
  points: { expected: number; lower: number; upper: number }[];
}

/** Simulated futures per forecast: enough for stable 10th and 90th percentiles at little cost. */
const PATHS = 500;

/**
 * Compares the candidates by a rolling-origin backtest, refits the best on the whole history and
 * forecasts `horizon` periods, with an 80% interval from its simulated futures (its own in-sample
 * errors, drawn at random and fed back through its equations). Ties go to the simpler candidate,
 * listed first; seasonal-naive is always first.
 */
export function forecastSeries(
  y: readonly number[],
  firstDay: number,
  granularity: Granularity,
  horizon: number,
  options: { seed?: number } = {},
): SeriesForecast {
  const n = y.length;
  if (n < minimumHistory(granularity)) throw new Error(`a ${granularity} forecast needs ${minimumHistory(granularity)} periods, got ${n}`);
  const plan = PLANS[granularity];
  const { period, candidates: all } = candidatesFor(granularity, n);
  const testHorizon = Math.max(1, Math.min(plan.backtestHorizon, n - (period + 1)));
  const bt = { horizon: testHorizon, step: testHorizon, maxOrigins: plan.maxOrigins, period };
  // The candidates needing the most history leave while they would leave no origin at all.
  let candidates = [...all];
  let origins = originsFor(n, Math.max(...candidates.map((c) => c.minTrain)), bt);
  while (origins.length === 0 && candidates.length > 1) {
    const most = Math.max(...candidates.map((c) => c.minTrain));
    candidates = candidates.filter((c) => c.minTrain < most);
    origins = originsFor(n, Math.max(...candidates.map((c) => c.minTrain)), bt);
  }
  const result: BacktestResult = backtest(y, firstDay, candidates, origins, bt);
  let bestIndex = 0;
  result.scores.forEach((s, i) => {
    if (s.mase < (result.scores[bestIndex]?.mase ?? Infinity)) bestIndex = i;
  });
  const best = candidates[bestIndex] ?? candidates[0];
  if (best === undefined) throw new Error('no candidate');
  const fitted = best.fit(y, firstDay);
  const means = fitted.forecast(horizon).map((v) => Math.max(0, v));
  const random = seededRandom(options.seed ?? 1);
  const paths = Array.from({ length: PATHS }, () => fitted.simulate(horizon, random));
  const points = means.map((expected, h) => {
    const values = paths.map((p) => p[h] ?? 0).sort((a, b) => a - b);
    return { expected, lower: Math.min(expected, Math.max(0, quantile(values, 0.1))), upper: Math.max(expected, quantile(values, 0.9)) };
  });
  return {
    model: { name: fitted.name, parameters: fitted.parameters },
    backtest: {
      metric: 'MASE',
      model: result.scores[bestIndex]?.mase ?? NaN,
      seasonalNaive: result.scores[0]?.mase ?? NaN,
      origins: origins.length,
      horizon: testHorizon,
      candidates: result.scores,
    },
    points,
  };
}
