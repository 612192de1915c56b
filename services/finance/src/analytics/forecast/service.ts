import { ValidationError, UnprocessableError, dateInZone, fromMinor, toEpochDay } from '@expensio/common';
import { findAccountRecord } from '../../accounts/repo.js';
import { requireCategory } from '../../categories/service.js';
import type { FinanceContext } from '../../context.js';
import { minimumHistory, type Granularity } from './model/select.js';
import { GRANULARITY_NAMES, HORIZONS, MAX_HISTORY, periodStartOf, periodsBetween, shiftPeriod } from './periods.js';
import { firstRecordedDay, spendingHistory, type SpendingScope } from './repo.js';
import { scheduledPerPeriod } from './scheduled.js';
import type { ForecastQuery, ForecastView } from './schemas.js';

function horizonOf(query: ForecastQuery): number {
  const limits = HORIZONS[query.granularity];
  const horizon = query.horizon ?? limits.default;
  if (horizon > limits.max) {
    const message = `horizon must be at most ${limits.max} ${GRANULARITY_NAMES[query.granularity].plural} (granularity ${query.granularity})`;
    throw new ValidationError(message, [{ field: 'horizon', in: 'querystring', message, code: 'too_big' }]);
  }
  return horizon;
}

function insufficientHistory(granularity: Granularity, have: number, current: string, currency: string): UnprocessableError {
  const need = minimumHistory(granularity);
  const names = GRANULARITY_NAMES[granularity];
  const ready = shiftPeriod(current, granularity, need - have);
  return new UnprocessableError(
    `A ${names.adjective} forecast needs at least ${need} complete ${names.plural} of ${currency} history (two cycles of its season, and never fewer than 8 periods); ` +
      `there ${have === 1 ? 'is' : 'are'} ${have}. Spending recorded until ${ready} makes enough.`,
    'insufficient_history',
  );
}

const toMinorUnits = (value: number): bigint => BigInt(Math.round(value));
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const roundMase = (value: number): number => Math.round(value * 1000) / 1000;

/**
 * Spending per period from the current one on. The model sees complete past periods of one-off
 * spending; recurring rules come back as `scheduled`. For the current period, what is already
 * spent is a floor: the period ends at no less than what was spent plus what is still scheduled.
 */
export async function spendingForecast(
  ctx: FinanceContext,
  userId: string,
  query: ForecastQuery,
  timeZone: string,
  /** The user's own zone, when the caller has just read it. */
  userTimeZone?: string,
  /** The default account's currency (null: no account), when the caller has just read it. */
  defaultCurrency?: string | null,
): Promise<ForecastView> {
  const { granularity } = query;
  const horizon = horizonOf(query);
  const known = defaultCurrency === undefined ? (await findAccountRecord(ctx.db, { userId }))?.currency : defaultCurrency;
  const currency = query.currency ?? known ?? ctx.config.DEFAULT_CURRENCY;
  const category = query.category === undefined ? null : await requireCategory(ctx.db, userId, query.category);
  const scope: SpendingScope = { userId, currency, categoryId: category?.id ?? null, timeZone, userTimeZone };

  const today = dateInZone(ctx.clock.now(), timeZone);
  const current = periodStartOf(today, granularity);
  const next = shiftPeriod(current, granularity, 1);
  const end = shiftPeriod(current, granularity, horizon);
  const firstDay = await firstRecordedDay(ctx.database, ctx.db, { userId, currency, timeZone });
  const earliest = shiftPeriod(current, granularity, -MAX_HISTORY[granularity]);
  const firstPeriod = firstDay === null ? current : periodStartOf(firstDay, granularity);
  const from = firstPeriod < earliest ? earliest : firstPeriod;
  const periods = firstDay === null ? 0 : Math.max(0, periodsBetween(from, current, granularity));
  if (periods < minimumHistory(granularity)) throw insufficientHistory(granularity, periods, current, currency);

  const history = await spendingHistory(ctx.database, ctx.db, { ...scope, granularity, from, current, next });
  const series = history.totals.map(Number);
  const result = ctx.forecastFits.fit(series, toEpochDay(from), granularity, horizon);
  const scheduled = scheduledPerPeriod(history.rules, {
    from: current,
    to: end,
    granularity,
  });
  const { spent, otherCurrencies } = history;

  const points = result.points.map((p, h) => {
    const periodStart = shiftPeriod(current, granularity, h);
    const still = scheduled.get(periodStart) ?? 0n;
    // The current period's one-off spending cannot end below what is already spent.
    const floor = h === 0 ? spent.oneOff : 0n;
    const posted = h === 0 ? spent.recurring : 0n;
    const total = (value: number) => fromMinor(max(toMinorUnits(value), floor) + posted + still, currency);
    return {
      periodStart,
      periodEnd: shiftPeriod(current, granularity, h + 1),
      expected: total(p.expected),
      lower: total(p.lower),
      upper: total(p.upper),
      scheduled: fromMinor(still, currency),
      actualSoFar: fromMinor(h === 0 ? spent.oneOff + spent.recurring : 0n, currency),
    };
  });

  return {
    granularity,
    currency,
    category: category?.slug ?? null,
    timeZone,
    history: { from, to: current, periods },
    model: result.model,
    backtest: {
      metric: 'MASE',
      model: roundMase(result.backtest.model),
      seasonalNaive: roundMase(result.backtest.seasonalNaive),
      origins: result.backtest.origins,
      horizon: result.backtest.horizon,
      candidates: result.backtest.candidates.map((c) => ({ name: c.name, mase: roundMase(c.mase) })),
    },
    points,
    otherCurrencies,
  };
}
