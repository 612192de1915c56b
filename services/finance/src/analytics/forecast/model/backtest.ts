import type { Candidate } from './model.js';

/**
 * Mean absolute scaled error (Hyndman & Koehler, 2006): forecast errors divided by the in-sample
 * mean absolute error of the seasonal-naive forecast on the training series. Below 1 beats
 * seasonal-naive's in-sample accuracy. A training series that repeats itself exactly has no such
 * error; its mean absolute value scales instead (and 1 when that is zero too), so the score stays finite.
 */
export function maseScale(train: readonly number[], period: number): number {
  let total = 0;
  let count = 0;
  for (let t = period; t < train.length; t += 1) {
    total += Math.abs((train[t] ?? 0) - (train[t - period] ?? 0));
    count += 1;
  }
  if (count > 0 && total > 0) return total / count;
  const level = train.reduce((s, v) => s + Math.abs(v), 0) / Math.max(1, train.length);
  return level > 0 ? level : 1;
}

export interface BacktestPlan {
  /** Periods forecast from each origin. */
  horizon: number;
  /** Periods between consecutive origins. */
  step: number;
  maxOrigins: number;
  /** Season length of the MASE scale. */
  period: number;
}

export interface BacktestResult {
  /** Training lengths, latest origin first. */
  origins: number[];
  horizon: number;
  /** Per candidate, in the order given. */
  scores: { name: string; mase: number }[];
}

/** The origins (training lengths) at which every candidate can be fitted, latest first. */
export function originsFor(n: number, minTrain: number, plan: BacktestPlan): number[] {
  const origins: number[] = [];
  for (let j = 0; j < plan.maxOrigins; j += 1) {
    const length = n - plan.horizon - j * plan.step;
    if (length < minTrain) break;
    origins.push(length);
  }
  return origins;
}

/**
 * Rolling-origin evaluation: at each origin every candidate is fitted afresh on the history up to
 * it and forecasts the next `horizon` periods, which it has not seen. A candidate's score is its
 * mean scaled error over all origins and horizons.
 */
export function backtest(
  y: readonly number[],
  firstDay: number,
  candidates: readonly Candidate[],
  origins: readonly number[],
  plan: BacktestPlan,
): BacktestResult {
  const totals = candidates.map(() => 0);
  let count = 0;
  for (const length of origins) {
    const train = y.slice(0, length);
    const actual = y.slice(length, length + plan.horizon);
    const scale = maseScale(train, plan.period);
    candidates.forEach((candidate, i) => {
      const predicted = candidate.fit(train, firstDay).forecast(actual.length);
      let sum = 0;
      actual.forEach((value, h) => {
        sum += Math.abs(value - Math.max(0, predicted[h] ?? 0)) / scale;
      });
      totals[i] = (totals[i] ?? 0) + sum;
    });
    count += actual.length;
  }
  return {
    origins: [...origins],
    horizon: plan.horizon,
    scores: candidates.map((c, i) => ({ name: c.name, mase: count === 0 ? NaN : (totals[i] ?? 0) / count })),
  };
}
