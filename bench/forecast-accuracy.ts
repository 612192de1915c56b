/**
 * Forecast accuracy on synthetic daily spending (issue 11): histories with a known weekly pattern,
 * a yearly cycle, a trend, noise and a few holiday spikes. For each, the last weeks are held out;
 * at the start of each held-out week the forecast runs as the route runs it (candidates compared
 * by the rolling-origin backtest on the history so far, the best refitted) and predicts the week.
 * Its MASE on those weeks is reported beside seasonal-naive's. CPU only, no database.
 *
 *   npm run bench:forecast -- [--histories 24] [--weeks 4] [--years 3] [--seed 11]
 */
import { parseArgs } from 'node:util';
import { maseScale } from '../services/finance/src/analytics/forecast/model/backtest.js';
import { seededRandom } from '../services/finance/src/analytics/forecast/model/random.js';
import { seasonalNaiveForecast } from '../services/finance/src/analytics/forecast/model/seasonal-naive.js';
import { forecastSeries } from '../services/finance/src/analytics/forecast/model/select.js';

const { values } = parseArgs({
  options: {
    histories: { type: 'string', default: '24' },
    weeks: { type: 'string', default: '4' },
    years: { type: 'string', default: '3' },
    seed: { type: 'string', default: '11' },
  },
});
const HISTORIES = Number(values.histories);
const WEEKS = Number(values.weeks);
const DAYS = Math.round(Number(values.years) * 365);
const random = seededRandom(Number(values.seed));

function normal(): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

const between = (lo: number, hi: number) => lo + (hi - lo) * random();

/** Day of the year (0-based) of an epoch day. */
function dayOfYear(epochDay: number): number {
  const date = new Date(epochDay * 86_400_000);
  return Math.floor((Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()) - Date.UTC(date.getUTCFullYear(), 0, 1)) / 86_400_000);
}

interface History {
  firstDay: number;
  y: number[];
  description: string;
}

/**
 * One person's daily spending in minor units: base × weekday factor × yearly cycle × trend, plus
 * noise proportional to the level, and spikes on a few fixed days of the year (holidays, a
 * birthday, a yearly sale).
 */
function synthetic(): History {
  const firstDay = 19_358 + Math.floor(between(0, 365)); // some day in 2023
  const base = between(2_000, 12_000);
  const weekly = Array.from({ length: 7 }, (_, d) => (d >= 4 ? between(1.2, 2.2) : between(0.6, 1.1)));
  const amplitude = between(0.1, 0.35);
  const phase = between(0, 365);
  const trend = between(-0.1, 0.25); // per year
  const noise = between(0.15, 0.35);
  const holidays = [358, 359, 330, Math.floor(between(0, 365)), Math.floor(between(0, 365))];
  const y = Array.from({ length: DAYS }, (_, t) => {
    const day = firstDay + t;
    const weekday = (((day + 3) % 7) + 7) % 7; // Monday 0
    const level = base * (weekly[weekday] ?? 1) * (1 + amplitude * Math.sin((2 * Math.PI * (dayOfYear(day) - phase)) / 365.25)) * (1 + (trend * t) / 365);
    const spike = holidays.includes(dayOfYear(day)) ? between(3, 6) : 1;
    return Math.max(0, Math.round(level * spike * (1 + noise * normal())));
  });
  return {
    firstDay,
    y,
    description: `base ${(base / 100).toFixed(0)}, yearly ±${(amplitude * 100).toFixed(0)}%, trend ${(trend * 100).toFixed(0)}%/yr, noise ${(noise * 100).toFixed(0)}%`,
  };
}

function mase(actual: readonly number[], predicted: readonly number[], scale: number): number {
  return actual.reduce((s, v, i) => s + Math.abs(v - Math.max(0, predicted[i] ?? 0)), 0) / actual.length / scale;
}

const rows: { chosen: number; naive: number; models: string[] }[] = [];
const models = new Map<string, number>();
let calls = 0;
const started = performance.now();
for (let k = 0; k < HISTORIES; k += 1) {
  const history = synthetic();
  let chosen = 0;
  let naive = 0;
  const names: string[] = [];
  for (let w = 0; w < WEEKS; w += 1) {
    const origin = DAYS - 7 * (WEEKS - w);
    const train = history.y.slice(0, origin);
    const actual = history.y.slice(origin, origin + 7);
    const scale = maseScale(train, 7);
    const result = forecastSeries(train, history.firstDay, 'day', 7);
    calls += 1;
    chosen += mase(
      actual,
      result.points.map((p) => p.expected),
      scale,
    );
    naive += mase(actual, seasonalNaiveForecast(train, 7, 7), scale);
    names.push(result.model.name);
    models.set(result.model.name, (models.get(result.model.name) ?? 0) + 1);
  }
  rows.push({ chosen: chosen / WEEKS, naive: naive / WEEKS, models: names });
  console.log(
    `history ${String(k + 1).padStart(2)}: chosen MASE ${(chosen / WEEKS).toFixed(3)}  seasonal-naive ${(naive / WEEKS).toFixed(3)}  (${history.description})`,
  );
}
const elapsed = performance.now() - started;

const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
const chosen = rows.map((r) => r.chosen);
const naive = rows.map((r) => r.naive);
console.log('');
console.log(`${HISTORIES} histories of ${DAYS} days, last ${WEEKS} weeks held out, one 7-day forecast per held-out week`);
console.log(
  `MASE, mean over histories:   chosen ${mean(chosen).toFixed(3)}   seasonal-naive ${mean(naive).toFixed(3)}   ratio ${(mean(chosen) / mean(naive)).toFixed(3)}`,
);
console.log(`MASE, median over histories: chosen ${median(chosen).toFixed(3)}   seasonal-naive ${median(naive).toFixed(3)}`);
console.log(`chosen beats seasonal-naive on ${rows.filter((r) => r.chosen < r.naive).length} of ${HISTORIES} histories`);
console.log(
  `models chosen: ${[...models]
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ×${n}`)
    .join(', ')}`,
);
console.log(`${calls} forecasts in ${(elapsed / 1000).toFixed(1)} s: ${(elapsed / calls).toFixed(0)} ms each (backtest, refit and 500 simulated paths)`);
