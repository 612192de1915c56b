import { describe, expect, it } from 'vitest';
import { backtest, maseScale, originsFor } from '../src/analytics/forecast/model/backtest.js';
import { etsModel, filter, fitEts, forecastFrom } from '../src/analytics/forecast/model/ets.js';
import { solve, yearlyHarmonics } from '../src/analytics/forecast/model/fourier.js';
import type { Candidate } from '../src/analytics/forecast/model/model.js';
import { seededRandom } from '../src/analytics/forecast/model/random.js';
import { seasonalNaiveCandidate, seasonalNaiveForecast } from '../src/analytics/forecast/model/seasonal-naive.js';
import { forecastSeries, minimumHistory } from '../src/analytics/forecast/model/select.js';
import type { ScheduledRule } from '../src/analytics/forecast/repo.js';
import { scheduledPerPeriod } from '../src/analytics/forecast/scheduled.js';

const WEEK = [10, -5, 0, 3, -8, 5, -5]; // sums to zero

describe('exponential smoothing against values worked by hand', () => {
  it('simple smoothing (α = 0.5) on 10, 12, 11: level 10 → 11 → 11, so 11 ahead', () => {
    const fit = fitEts([10, 12, 11], { trend: 'none', period: 1 }, { alpha: 0.5, beta: 0, gamma: 0, phi: 1 });
    expect(fit.errors).toEqual([2, 0]);
    expect(fit.state.level).toBe(11);
    expect(forecastFrom(fit.state, 3, 2, { trend: 'none', period: 1 }, fit.params)).toEqual([11, 11]);
  });

  it('damped Holt (α 0.5, β 0.1, φ 0.9) on 1, 3, 4 gives the hand-computed states and forecasts', () => {
    // level 1, trend 2 from the first two values; t=1: ŷ 2.8, e 0.2, level 2.9, trend 1.82;
    // t=2: ŷ 4.538, e −0.538, level 4.269, trend 1.5842; ŷ+1 = 4.269 + 0.9·1.5842, ŷ+2 = 4.269 + 1.71·1.5842.
    const spec = { trend: 'damped', period: 1 } as const;
    const fit = fitEts([1, 3, 4], spec, { alpha: 0.5, beta: 0.1, gamma: 0, phi: 0.9 });
    expect(fit.errors[0]).toBeCloseTo(0.2, 12);
    expect(fit.errors[1]).toBeCloseTo(-0.538, 12);
    expect(fit.state.level).toBeCloseTo(4.269, 12);
    expect(fit.state.trend).toBeCloseTo(1.5842, 12);
    const [h1, h2] = forecastFrom(fit.state, 3, 2, spec, fit.params);
    expect(h1).toBeCloseTo(5.69478, 10);
    expect(h2).toBeCloseTo(6.977982, 10);
  });

  it('recovers a noise-free line plus weekly season exactly: zero one-step errors and the exact continuation', () => {
    const y = Array.from({ length: 70 }, (_, t) => 100 + 2 * t + (WEEK[t % 7] ?? 0));
    for (const params of [
      { alpha: 0.3, beta: 0.1, gamma: 0.2, phi: 1 },
      { alpha: 0.8, beta: 0.01, gamma: 0.05, phi: 1 },
    ]) {
      const { errors } = filter(y, { trend: 'additive', period: 7 }, params);
      expect(Math.max(...errors.map(Math.abs))).toBeLessThan(1e-9);
    }
    const model = etsModel(y, { trend: 'additive', period: 7 });
    const ahead = model.forecast(14);
    ahead.forEach((v, h) => {
      expect(v).toBeCloseTo(100 + 2 * (70 + h) + (WEEK[(70 + h) % 7] ?? 0), 8);
    });
  });

  it('seasonal-naive repeats the last cycle', () => {
    expect(seasonalNaiveForecast([1, 2, 3, 4, 5, 6], 3, 5)).toEqual([4, 5, 6, 4, 5]);
    expect(seasonalNaiveForecast([1, 2, 3], 1, 2)).toEqual([3, 3]);
  });
});

describe('yearly harmonics', () => {
  it('solves a small linear system', () => {
    const x = solve(
      [
        [2, 1],
        [1, 3],
      ],
      [3, 5],
    );
    expect(x[0]).toBeCloseTo(0.8, 12);
    expect(x[1]).toBeCloseTo(1.4, 12);
  });

  it('finds a pure yearly sine beside a level and a slope, leaving the level and slope out', () => {
    const firstDay = 19_000;
    const y = Array.from({ length: 800 }, (_, t) => 50 + 0.01 * t + 20 * Math.sin((2 * Math.PI * (firstDay + t)) / 365.25));
    const yearly = yearlyHarmonics(y, firstDay, 3);
    for (const t of [0, 100, 400, 810]) expect(yearly(t)).toBeCloseTo(20 * Math.sin((2 * Math.PI * (firstDay + t)) / 365.25), 6);
  });
});

describe('rolling-origin backtest with MASE, on a hand example', () => {
  // Period 3, two origins three apart, three periods ahead each.
  const y = [2, 4, 6, 3, 5, 7, 4, 6, 9];
  const plan = { horizon: 3, step: 3, maxOrigins: 5, period: 3 };
  const naive: Candidate = { ...seasonalNaiveCandidate(1), name: 'naive' };

  it('scales by the in-sample seasonal-naive error, or the mean level when that is zero', () => {
    expect(maseScale([2, 4, 6, 3, 5, 7], 3)).toBe(1);
    expect(maseScale([2, 4, 6], 3)).toBe(4);
    expect(maseScale([0, 0, 0], 3)).toBe(1);
  });

  it('places origins back from the end, one step apart, while training is long enough', () => {
    expect(originsFor(9, 3, plan)).toEqual([6, 3]);
    expect(originsFor(9, 4, plan)).toEqual([6]);
  });

  it('averages the scaled errors of every origin and horizon', () => {
    const result = backtest(y, 0, [seasonalNaiveCandidate(3), naive], [6, 3], plan);
    // Origin 6 (scale 1): seasonal-naive 3,5,7 vs 4,6,9 → 1+1+2; naive 7,7,7 → 3+1+2.
    // Origin 3 (scale 4): seasonal-naive 2,4,6 vs 3,5,7 → 3/4; naive 6,6,6 → 5/4.
    expect(result.scores[0]?.mase).toBeCloseTo((4 + 0.75) / 6, 12);
    expect(result.scores[1]?.mase).toBeCloseTo((6 + 1.25) / 6, 12);
    expect(result.origins).toEqual([6, 3]);
  });
});

describe('forecastSeries', () => {
  it('recovers a known weekly pattern from a noisy daily history, and beats seasonal-naive on it', () => {
    const random = seededRandom(7);
    const pattern = [20, 22, 25, 24, 30, 60, 45];
    const y = Array.from({ length: 140 }, (_, t) => (pattern[t % 7] ?? 0) + (random() - 0.5) * 6);
    const result = forecastSeries(y, 20_000, 'day', 14);
    expect(result.model.name).not.toBe('seasonal-naive');
    expect(result.backtest.model).toBeLessThan(result.backtest.seasonalNaive);
    result.points.forEach((p, h) => {
      expect(Math.abs(p.expected - (pattern[(140 + h) % 7] ?? 0))).toBeLessThan(3);
      expect(p.lower).toBeLessThanOrEqual(p.expected);
      expect(p.upper).toBeGreaterThanOrEqual(p.expected);
    });
    // The interval reflects the noise (uniform ±3): neither a point nor wider than the pattern's swings.
    const width = result.points[0] ? result.points[0].upper - result.points[0].lower : 0;
    expect(width).toBeGreaterThan(1);
    expect(width).toBeLessThan(15);
  });

  it('never goes negative, even when spending falls steeply to nothing', () => {
    const y = Array.from({ length: 40 }, (_, t) => Math.max(0, 400 - 12 * t + ((t * 37) % 11)));
    for (const granularity of ['day', 'week', 'month'] as const) {
      const result = forecastSeries(y, 20_000, granularity, 30);
      for (const p of result.points) {
        expect(p.lower).toBeGreaterThanOrEqual(0);
        expect(p.expected).toBeGreaterThanOrEqual(p.lower);
        expect(p.upper).toBeGreaterThanOrEqual(p.expected);
      }
    }
  });

  it('uses the yearly season for months once two years exist, and none before', () => {
    const months = [100, 90, 95, 100, 110, 120, 130, 125, 105, 100, 110, 200];
    const long = forecastSeries(
      Array.from({ length: 36 }, (_, t) => months[t % 12] ?? 0),
      0,
      'month',
      12,
    );
    expect(long.backtest.seasonalNaive).toBe(0);
    long.points.forEach((p, h) => {
      expect(p.expected).toBeCloseTo(months[(36 + h) % 12] ?? 0, 6);
    });
    const short = forecastSeries(
      Array.from({ length: 20 }, (_, t) => months[t % 12] ?? 0),
      0,
      'month',
      3,
    );
    expect(short.model.parameters.period ?? 1).toBe(1);
  });

  it('needs two weeks of days, and eight weeks or months, and answers at exactly that much', () => {
    expect(minimumHistory('day')).toBe(14);
    expect(minimumHistory('week')).toBe(8);
    expect(minimumHistory('month')).toBe(8);
    for (const granularity of ['day', 'week', 'month'] as const) {
      const y = Array.from({ length: minimumHistory(granularity) }, (_, t) => 50 + ((t * 13) % 7));
      const result = forecastSeries(y, 20_000, granularity, 3);
      expect(result.backtest.origins).toBeGreaterThanOrEqual(1);
      expect(result.points).toHaveLength(3);
      expect(() => forecastSeries(y.slice(1), 20_000, granularity, 3)).toThrow();
    }
  });
});

describe('scheduled recurring expenses per period', () => {
  const rule = (fields: Partial<ScheduledRule>): ScheduledRule => ({
    id: 'r',
    amount: 1000n,
    frequency: 'weekly',
    frequency_interval: 1,
    start_date: '2026-03-02',
    end_date: null,
    occurrence_count: null,
    next_index: 0,
    pauses: [],
    ...fields,
  });

  it('counts what is still to post from the cursor, skips pause windows, stops at the end date, and buckets by period', () => {
    // Weekly on Mondays from 2 March; 2 and 9 March posted (cursor 2); paused between 14 and 24 March, so 16 and 23 March never post.
    const weekly = rule({ next_index: 2, pauses: [{ pausedOn: '2026-03-14', resumedOn: '2026-03-24' }], end_date: '2026-04-06' });
    const days = scheduledPerPeriod([weekly], { from: '2026-03-09', to: '2026-04-20', granularity: 'day' });
    expect([...days]).toEqual([
      ['2026-03-30', 1000n],
      ['2026-04-06', 1000n],
    ]);
    const monthly = rule({ frequency: 'monthly', start_date: '2026-01-31', amount: 250n, next_index: 1 });
    // 28 February is overdue (not yet posted) but before the range: it would post dated then, not in it.
    const months = scheduledPerPeriod([weekly, monthly], { from: '2026-03-01', to: '2026-06-01', granularity: 'month' });
    expect([...months]).toEqual([
      ['2026-03-01', 1250n],
      ['2026-04-01', 1250n],
      ['2026-05-01', 250n],
    ]);
  });
});
