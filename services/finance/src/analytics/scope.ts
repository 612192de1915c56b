import type { IsoDate } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { analyticsSettings, settingsCurrency } from './settings.js';
import { localToday, resolveRange, type DayRange } from './range.js';

/** What every ranged analytics route settles first: the user's zone and today in it, the days asked for, and the currency. */
export interface AnalyticsScope {
  userId: string;
  timeZone: string;
  today: IsoDate;
  range: DayRange;
  currency: string;
}

export async function analyticsScope(
  ctx: FinanceContext,
  userId: string,
  query: { from?: IsoDate | undefined; to?: IsoDate | undefined; currency?: string | undefined },
  defaultFrom: (to: IsoDate) => IsoDate,
): Promise<AnalyticsScope> {
  const settings = await analyticsSettings(ctx, userId);
  const { timeZone } = settings;
  const today = localToday(ctx.clock, timeZone);
  const range = resolveRange(query, today, defaultFrom);
  const currency = await settingsCurrency(ctx, userId, query.currency, settings);
  return { userId, timeZone, today, range, currency };
}
