import type { FinanceContext } from '../context.js';

/** The time zone a user's hour of day is read in, for the unusual_hour signal. */
export function riskTimeZone(_ctx: FinanceContext, _userId: string): Promise<string> {
  // replaced at merge by the user's profile time zone
  return Promise.resolve('UTC');
}
