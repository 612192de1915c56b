import type { FinanceContext } from '../../context.js';

/** The zone whose days, weeks and months the forecast counts in. */
// replaced at merge by the user's profile time zone
export function forecastTimeZone(_ctx: FinanceContext, _userId: string): Promise<string> {
  return Promise.resolve('UTC');
}
