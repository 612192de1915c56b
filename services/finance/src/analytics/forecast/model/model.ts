/**
 * What every forecasting candidate offers once fitted to a series: point forecasts, a simulated
 * future path (its own one-step errors drawn at random, fed back through its own equations) and
 * the parameters it chose, named for the answer.
 */
export interface FittedModel {
  name: string;
  parameters: Record<string, number>;
  /** Means of the next `horizon` periods (may dip below zero; the caller clamps). */
  forecast(horizon: number): number[];
  /** One possible future of `horizon` periods, never negative. */
  simulate(horizon: number, random: () => number): number[];
}

export interface Candidate {
  name: string;
  /** The shortest training series it can be fitted to and still have one in-sample error. */
  minTrain: number;
  /** `firstDay` numbers the series' first period (an epoch day for daily series), for calendar terms. */
  fit(y: readonly number[], firstDay: number): FittedModel;
}

/** A uniformly drawn element; residual bootstrapping draws errors this way. */
export function draw(values: readonly number[], random: () => number): number {
  if (values.length === 0) return 0;
  return values[Math.min(values.length - 1, Math.floor(random() * values.length))] ?? 0;
}
