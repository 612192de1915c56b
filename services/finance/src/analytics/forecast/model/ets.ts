import { draw, type Candidate, type FittedModel } from './model.js';

/**
 * Exponential smoothing with additive errors (Hyndman et al., "Forecasting with Exponential
 * Smoothing", 2008, table 2.3): ETS(A,N,N) simple smoothing, ETS(A,Ad,N) damped Holt, and the
 * additive Holt-Winters family ETS(A,N,A), ETS(A,A,A), ETS(A,Ad,A). With one-step error e_t:
 *
 *   level_t  = level + φ·trend + α·e_t
 *   trend_t  = φ·trend + β·e_t
 *   season_t = season_{t-m} + γ·e_t
 *
 * Parameters are chosen by least squares of the one-step errors over a grid (the same grid for
 * every series, so a fit is cheap, bounded and deterministic).
 */
export type Trend = 'none' | 'additive' | 'damped';

export interface EtsSpec {
  trend: Trend;
  /** Season length; 1 for none. */
  period: number;
}

export interface EtsParams {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}

interface State {
  level: number;
  trend: number;
  /** By phase: season[t mod period] is the latest seasonal term of t's phase. */
  season: number[];
}

const ALPHAS = [0.05, 0.1, 0.2, 0.3, 0.5, 0.8];
const BETAS = [0, 0.01, 0.05, 0.15];
const GAMMAS = [0, 0.05, 0.15, 0.3];
const PHIS = [0.85, 0.95];

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** Cycles the initial state is read from: two to see a trend, one otherwise. */
function initCycles(spec: EtsSpec): number {
  return spec.trend === 'none' ? 1 : 2;
}

export function etsMinTrain(spec: EtsSpec): number {
  return initCycles(spec) * spec.period + 1;
}

/**
 * The state at the end of the first cycle (index period - 1), read from the first one or two
 * cycles as in classical decomposition: level from the first cycle's mean, trend from the change
 * between the first two cycles' means, seasonal terms from the first cycle around that line. A
 * series that is exactly line plus season gets its exact state, so its one-step errors are zero.
 */
export function initialState(y: readonly number[], spec: EtsSpec): State {
  const m = spec.period;
  const first = mean(y.slice(0, m));
  const trend = spec.trend === 'none' ? 0 : (mean(y.slice(m, 2 * m)) - first) / m;
  const season = Array.from({ length: m }, (_, i) => (m === 1 ? 0 : (y[i] ?? 0) - (first + trend * (i - (m - 1) / 2))));
  return { level: first + (trend * (m - 1)) / 2, trend, season };
}

function damping(spec: EtsSpec, p: EtsParams): number {
  return spec.trend === 'damped' ? p.phi : spec.trend === 'additive' ? 1 : 0;
}

/** Feeds one observation (or its simulated stand-in) through the equations; returns the error. */
function step(state: State, t: number, y: number, spec: EtsSpec, p: EtsParams): number {
  const phi = damping(spec, p);
  const phase = t % spec.period;
  const seasonal = spec.period > 1 ? (state.season[phase] ?? 0) : 0;
  const error = y - (state.level + phi * state.trend + seasonal);
  state.level = state.level + phi * state.trend + p.alpha * error;
  state.trend = phi * state.trend + p.beta * error;
  if (spec.period > 1) state.season[phase] = seasonal + p.gamma * error;
  return error;
}

/** The one-step errors from the end of the initial cycles on, and the final state. */
export function filter(y: readonly number[], spec: EtsSpec, p: EtsParams): { errors: number[]; state: State } {
  const state = initialState(y, spec);
  const errors: number[] = [];
  for (let t = spec.period; t < y.length; t += 1) errors.push(step(state, t, y[t] ?? 0, spec, p));
  return { errors, state };
}

function sse(y: readonly number[], spec: EtsSpec, p: EtsParams): number {
  const state = initialState(y, spec);
  let total = 0;
  for (let t = spec.period; t < y.length; t += 1) {
    const e = step(state, t, y[t] ?? 0, spec, p);
    total += e * e;
  }
  return total;
}

/** Every parameter set the grid tries, within the usual bounds β ≤ α and γ ≤ 1 − α. */
export function parameterGrid(spec: EtsSpec): EtsParams[] {
  const betas = spec.trend === 'none' ? [0] : BETAS;
  const gammas = spec.period > 1 ? GAMMAS : [0];
  const phis = spec.trend === 'damped' ? PHIS : [1];
  const grid: EtsParams[] = [];
  for (const alpha of ALPHAS) {
    for (const beta of betas) {
      if (beta > alpha) continue;
      for (const gamma of gammas) {
        if (gamma > 1 - alpha) continue;
        for (const phi of phis) grid.push({ alpha, beta, gamma, phi });
      }
    }
  }
  return grid;
}

export function forecastFrom(state: State, n: number, horizon: number, spec: EtsSpec, p: EtsParams): number[] {
  const phi = damping(spec, p);
  const out: number[] = [];
  let trendSum = 0;
  let power = 1;
  for (let h = 1; h <= horizon; h += 1) {
    power *= phi;
    trendSum += power;
    const seasonal = spec.period > 1 ? (state.season[(n - 1 + h) % spec.period] ?? 0) : 0;
    out.push(state.level + trendSum * state.trend + seasonal);
  }
  return out;
}

export function fitEts(y: readonly number[], spec: EtsSpec, params?: EtsParams): { params: EtsParams; errors: number[]; state: State } {
  let best = params;
  if (best === undefined) {
    let bestSse = Infinity;
    for (const candidate of parameterGrid(spec)) {
      const value = sse(y, spec, candidate);
      if (value < bestSse) {
        bestSse = value;
        best = candidate;
      }
    }
  }
  if (best === undefined) throw new Error('empty parameter grid');
  return { params: best, ...filter(y, spec, best) };
}

export function etsName(spec: EtsSpec): string {
  const trend = spec.trend === 'none' ? 'N' : spec.trend === 'additive' ? 'A' : 'Ad';
  return `ets(A,${trend},${spec.period > 1 ? 'A' : 'N'})`;
}

/** The fitted model over a series `y` (possibly already adjusted: `offset(t)` is added back to every value). */
export function etsModel(
  y: readonly number[],
  spec: EtsSpec,
  extra: { name?: string; parameters?: Record<string, number>; offset?: (t: number) => number } = {},
): FittedModel {
  const fit = fitEts(y, spec);
  const n = y.length;
  const offset = extra.offset ?? (() => 0);
  const parameters: Record<string, number> = { alpha: fit.params.alpha };
  if (spec.trend !== 'none') parameters.beta = fit.params.beta;
  if (spec.trend === 'damped') parameters.phi = fit.params.phi;
  if (spec.period > 1) {
    parameters.gamma = fit.params.gamma;
    parameters.period = spec.period;
  }
  return {
    name: extra.name ?? etsName(spec),
    parameters: { ...parameters, ...extra.parameters },
    forecast: (horizon) => forecastFrom(fit.state, n, horizon, spec, fit.params).map((v, i) => v + offset(n + i)),
    simulate: (horizon, random) => {
      const state: State = { ...fit.state, season: [...fit.state.season] };
      const path: number[] = [];
      for (let h = 0; h < horizon; h += 1) {
        const t = n + h;
        const mean = forecastFrom(state, t, 1, spec, fit.params)[0] ?? 0;
        // Spending cannot go below zero: the path is clamped, and the state sees the clamped value.
        const value = Math.max(0, mean + offset(t) + draw(fit.errors, random));
        step(state, t, value - offset(t), spec, fit.params);
        path.push(value);
      }
      return path;
    },
  };
}

export function etsCandidate(spec: EtsSpec): Candidate {
  return { name: etsName(spec), minTrain: etsMinTrain(spec), fit: (y) => etsModel(y, spec) };
}
