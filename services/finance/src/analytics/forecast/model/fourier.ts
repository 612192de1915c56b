import { etsModel, etsMinTrain, type EtsSpec } from './ets.js';
import type { Candidate } from './model.js';

const YEAR_DAYS = 365.25;

/**
 * The yearly pattern of a daily series as a few harmonics of the year (a smooth curve, so one
 * holiday spike in one year does not become next year's forecast), fitted by least squares beside
 * an intercept and a slope; the weekly pattern, level and trend are left to Holt-Winters on what
 * remains. This is the "dynamic harmonic regression" way of giving ETS a second, long season.
 */
export function yearlyHarmonics(y: readonly number[], firstDay: number, harmonics: number): (t: number) => number {
  const columns = (t: number) => {
    const row = [1, t];
    for (let k = 1; k <= harmonics; k += 1) {
      const angle = (2 * Math.PI * k * (firstDay + t)) / YEAR_DAYS;
      row.push(Math.sin(angle), Math.cos(angle));
    }
    return row;
  };
  const size = 2 + 2 * harmonics;
  const xtx = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  const xty = new Array<number>(size).fill(0);
  for (let t = 0; t < y.length; t += 1) {
    const row = columns(t);
    for (let i = 0; i < size; i += 1) {
      xty[i] = (xty[i] ?? 0) + (row[i] ?? 0) * (y[t] ?? 0);
      const line = xtx[i] ?? [];
      for (let j = 0; j < size; j += 1) line[j] = (line[j] ?? 0) + (row[i] ?? 0) * (row[j] ?? 0);
    }
  }
  const beta = solve(xtx, xty);
  // Only the harmonics: the intercept and slope stay in the series for the level and trend to follow.
  return (t) => {
    const row = columns(t);
    let value = 0;
    for (let i = 2; i < size; i += 1) value += (beta[i] ?? 0) * (row[i] ?? 0);
    return value;
  };
}

/** Gaussian elimination with partial pivoting; a singular column gets a zero coefficient. */
export function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] ?? 0]);
  for (let col = 0; col < n; col += 1) {
    let pivot = col;
    for (let r = col + 1; r < n; r += 1) if (Math.abs(m[r]?.[col] ?? 0) > Math.abs(m[pivot]?.[col] ?? 0)) pivot = r;
    const swap = m[col] ?? [];
    m[col] = m[pivot] ?? [];
    m[pivot] = swap;
    const head = m[col] ?? [];
    const p = head[col] ?? 0;
    if (Math.abs(p) < 1e-12) continue;
    for (let r = 0; r < n; r += 1) {
      if (r === col) continue;
      const line = m[r] ?? [];
      const factor = (line[col] ?? 0) / p;
      if (factor === 0) continue;
      for (let c = col; c <= n; c += 1) line[c] = (line[c] ?? 0) - factor * (head[c] ?? 0);
    }
  }
  return m.map((row, i) => {
    const p = row[i] ?? 0;
    return Math.abs(p) < 1e-12 ? 0 : (row[n] ?? 0) / p;
  });
}

export const YEARLY_HARMONICS = 3;

/** Daily spending: weekly Holt-Winters (damped trend) on the series less its yearly curve. */
export function yearlyWeeklyCandidate(): Candidate {
  const spec: EtsSpec = { trend: 'damped', period: 7 };
  const name = 'ets(A,Ad,A)+yearly-harmonics';
  return {
    name,
    // Two years, so the yearly curve is seen twice rather than guessed from one.
    minTrain: Math.max(etsMinTrain(spec), 730),
    fit: (y, firstDay) => {
      const yearly = yearlyHarmonics(y, firstDay, YEARLY_HARMONICS);
      const adjusted = y.map((v, t) => v - yearly(t));
      return etsModel(adjusted, spec, { name, parameters: { harmonics: YEARLY_HARMONICS }, offset: yearly });
    },
  };
}
