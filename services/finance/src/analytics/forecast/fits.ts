import { createHash } from 'node:crypto';
import { forecastSeries, type Granularity, type SeriesForecast } from './model/select.js';

/**
 * Forecasts already fitted, by everything a fit reads: the history, the day it starts, the
 * granularity and the horizon. A fit is a pure function of those (its random draws are seeded), so
 * a hit is the very answer a new fit would give, never a stale one; and as the history holds only
 * complete periods, a user's next request the same day (or week, or month) finds it. Fitting the
 * candidates and their backtest costs a hundred milliseconds or more; SQL that feeds it, a few.
 * Bounded, oldest first out.
 */
export class ForecastFits {
  readonly #entries = new Map<string, SeriesForecast>();

  constructor(readonly capacity = 1_000) {}

  fit(series: readonly number[], firstDay: number, granularity: Granularity, horizon: number): SeriesForecast {
    const key = createHash('sha256')
      .update(JSON.stringify([granularity, horizon, firstDay, series]))
      .digest('base64');
    const hit = this.#entries.get(key);
    if (hit !== undefined) return hit;
    const result = forecastSeries(series, firstDay, granularity, horizon);
    this.#entries.set(key, result);
    if (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    return result;
  }
}
