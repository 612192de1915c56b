import { DEFAULT_TIME_ZONE } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { analyticsCurrency } from './currency.js';

/** What every analytics route settles first, read in one round trip rather than two. */
export interface AnalyticsSettings {
  /** The user's zone, as userTimeZone reads it. */
  timeZone: string;
  /** The default account's currency; null while the user has no account yet. */
  defaultCurrency: string | null;
}

export async function analyticsSettings(ctx: FinanceContext, userId: string): Promise<AnalyticsSettings> {
  const row = await ctx.db
    .selectNoFrom((eb) => [
      eb.selectFrom('user_time_zones').select('time_zone').where('user_id', '=', userId).as('time_zone'),
      eb.selectFrom('accounts').select('currency').where('user_id', '=', userId).where('is_default', '=', true).as('currency'),
    ])
    .executeTakeFirstOrThrow();
  return { timeZone: row.time_zone ?? DEFAULT_TIME_ZONE, defaultCurrency: row.currency };
}

/** The currency asked for, else the default account's (created, as analyticsCurrency does, when there is none). */
export async function settingsCurrency(ctx: FinanceContext, userId: string, given: string | undefined, settings: AnalyticsSettings): Promise<string> {
  return given ?? settings.defaultCurrency ?? analyticsCurrency(ctx, userId, undefined);
}
