import { draw, type Candidate, type FittedModel } from './model.js';

/** Each period is forecast as the same phase of the last cycle (the last value when period = 1). */
export function seasonalNaiveForecast(y: readonly number[], period: number, horizon: number): number[] {
  const n = y.length;
  return Array.from({ length: horizon }, (_, i) => {
    const h = i + 1;
    return y[n - 1 + h - period * Math.ceil(h / period)] ?? 0;
  });
}

function seasonalNaiveModel(y: readonly number[], period: number): FittedModel {
  const errors: number[] = [];
  for (let t = period; t < y.length; t += 1) errors.push((y[t] ?? 0) - (y[t - period] ?? 0));
  return {
    name: 'seasonal-naive',
    parameters: { period },
    forecast: (horizon) => seasonalNaiveForecast(y, period, horizon),
    simulate: (horizon, random) => {
      const path = [...y.slice(-period)];
      for (let h = 0; h < horizon; h += 1) path.push(Math.max(0, (path[path.length - period] ?? 0) + draw(errors, random)));
      return path.slice(period);
    },
  };
}

export function seasonalNaiveCandidate(period: number): Candidate {
  return { name: 'seasonal-naive', minTrain: period + 1, fit: (y) => seasonalNaiveModel(y, period) };
}
