import { ValidationError } from '@expensio/common';
import { requireAccount } from '../../accounts/service.js';
import type { FinanceContext } from '../../context.js';
import { settingsCurrency, type AnalyticsSettings } from '../settings.js';
import { queryError, type DayRange } from '../range.js';
import { dayTotals } from '../sql.js';
import { bucketCount, MAX_BUCKETS, type Granularity } from './buckets.js';
import { cashFlow } from './repo.js';

/**
 * The scope's currency: the account's own when one is named (asking for another is a 400),
 * else the one asked for or the default account's.
 */
export async function cashFlowCurrency(
  ctx: FinanceContext,
  userId: string,
  input: { accountId?: string | undefined; currency?: string | undefined },
  settings: AnalyticsSettings,
): Promise<string> {
  if (input.accountId === undefined) return settingsCurrency(ctx, userId, input.currency, settings);
  const account = await requireAccount(ctx.db, userId, input.accountId, 'accountId');
  if (input.currency !== undefined && input.currency !== account.currency) {
    throw queryError('currency', `must be the account's currency (${account.currency}) when accountId is given`, 'currency_mismatch');
  }
  return account.currency;
}

export async function cashFlowAnalysis(
  ctx: FinanceContext,
  input: {
    userId: string;
    currency: string;
    accountId?: string | undefined;
    range: DayRange;
    timeZone: string;
    granularity: Granularity;
    /** The user's own zone, when the caller has just read it (dayTotals). */
    userTimeZone?: string | undefined;
  },
) {
  const { userId, currency, range, timeZone, granularity } = input;
  const count = bucketCount(range.from, range.to, granularity);
  if (count > MAX_BUCKETS) {
    throw new ValidationError(`from..to holds ${count} ${granularity} buckets; at most ${MAX_BUCKETS}: shorten the range or choose a coarser granularity`, [
      { field: 'granularity', in: 'querystring', message: `gives ${count} buckets over this range; at most ${MAX_BUCKETS}`, code: 'too_many_buckets' },
    ]);
  }
  const days = await dayTotals(ctx.db, userId, timeZone, input.userTimeZone);
  const flow = await cashFlow(ctx.database, ctx.db, { userId, currency, accountId: input.accountId, timeZone, granularity, days, ...range });
  return {
    currency,
    from: range.from,
    to: range.to,
    timeZone,
    granularity,
    accountId: input.accountId ?? null,
    openingBalance: flow.opening,
    buckets: flow.buckets,
    otherCurrencies: flow.otherCurrencies,
  };
}
