import { ConflictError, NotFoundError, type IsoDate } from '@expensio/common';
import type { FinanceContext } from '../../context.js';
import { createRule } from '../../recurring/service.js';
import { formatAmount } from '../../shared/money.js';
import { percentOf } from '../percent.js';
import { advance, INTERVALS, MIN_CHARGES, PER_YEAR, ruleFrequency, statusOf, subscriptionId, type Interval, type Status } from './cadence.js';
import { chargeSeries, otherCurrencyExpenses, type ChargeSeries } from './repo.js';

/** A rise of more than this (percent) from one charge to the next is a price increase. */
export const PRICE_INCREASE_PERCENT = 2n;

export interface Subscription {
  id: string;
  series: ChargeSeries;
  interval: Interval;
  nextExpected: IsoDate;
  yearlyCost: bigint;
  status: Status;
}

function detect(series: ChargeSeries, today: IsoDate): Subscription | undefined {
  const interval = INTERVALS.find((i) => series[i] && series.count >= MIN_CHARGES[i]);
  if (interval === undefined) return undefined;
  return {
    id: subscriptionId(series.key, series.currency, interval),
    series,
    interval,
    nextExpected: advance(series.last_charged, interval),
    yearlyCost: series.latest * PER_YEAR[interval],
    status: statusOf(series.last_charged, interval, today),
  };
}

/** Largest yearly cost first; ties by merchant so the order is stable. */
export async function findSubscriptions(
  ctx: FinanceContext,
  input: { userId: string; currency?: string | undefined; timeZone: string; today: IsoDate },
): Promise<Subscription[]> {
  const series = await chargeSeries(ctx.db, input);
  return series
    .flatMap((s) => detect(s, input.today) ?? [])
    .sort((a, b) => (a.yearlyCost === b.yearlyCost ? a.series.key.localeCompare(b.series.key) : a.yearlyCost > b.yearlyCost ? -1 : 1));
}

export function toSubscriptionView(s: Subscription) {
  const { series } = s;
  const money = (minor: bigint) => formatAmount(minor, series.currency);
  const rose = series.previous !== null && series.latest * 100n > series.previous * (100n + PRICE_INCREASE_PERCENT);
  return {
    id: s.id,
    merchant: series.merchant,
    currency: series.currency,
    interval: s.interval,
    amount: money(series.latest),
    usualAmount: money(series.usual),
    count: series.count,
    firstCharged: series.first_charged,
    lastCharged: series.last_charged,
    nextExpected: s.nextExpected,
    yearlyCost: money(s.yearlyCost),
    priceIncrease:
      rose && series.previous !== null
        ? { from: money(series.previous), to: money(series.latest), percent: percentOf(series.latest - series.previous, series.previous) ?? 0 }
        : null,
    status: s.status,
    recurringRuleId: series.rule_id,
  };
}

export async function subscriptionsAnswer(ctx: FinanceContext, input: { userId: string; currency: string; timeZone: string; today: IsoDate }) {
  const found = await findSubscriptions(ctx, input);
  const total = found.filter((s) => s.status === 'active').reduce((sum, s) => sum + s.yearlyCost, 0n);
  return {
    currency: input.currency,
    items: found.map(toSubscriptionView),
    totalYearlyCost: formatAmount(total, input.currency),
    otherCurrencies: await otherCurrencyExpenses(ctx.db, { userId: input.userId, currency: input.currency }),
  };
}

/**
 * Turns a detected subscription into a recurring rule: its interval, latest amount, merchant, and
 * the latest charge's category and account. It starts at nextExpected, or, when that has passed,
 * at the first date of the cadence from today on, so the rule never back-posts charges that did
 * not happen.
 */
export async function trackSubscription(ctx: FinanceContext, input: { userId: string; id: string; timeZone: string; today: IsoDate }) {
  const found = (await findSubscriptions(ctx, { userId: input.userId, timeZone: input.timeZone, today: input.today })).find((s) => s.id === input.id);
  if (found === undefined) throw new NotFoundError(`No subscription ${input.id}`, 'subscription_not_found');
  const { series } = found;
  const tracked = (ruleId: string | null) =>
    new ConflictError(`A recurring rule already tracks this subscription${ruleId === null ? '' : `: ${ruleId}`}`, 'subscription_tracked');
  if (series.rule_id !== null) throw tracked(series.rule_id);
  let start = found.nextExpected;
  for (let n = 2; start < input.today; n += 1) start = advance(series.last_charged, found.interval, n);
  return createRule(
    ctx,
    input.userId,
    {
      accountId: series.account_id,
      type: 'expense',
      amount: formatAmount(series.latest, series.currency),
      currency: series.currency,
      category: series.category_id,
      merchant: series.latest_merchant,
      description: series.latest_description,
      ...ruleFrequency(found.interval),
      startDate: start,
      paused: false,
    },
    // A request racing this one got past the check above too: the database lets one rule in.
    { key: series.key, alreadyTracked: () => tracked(null) },
  );
}
