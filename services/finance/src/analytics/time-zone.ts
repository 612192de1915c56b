import type { FinanceContext } from '../context.js';

/**
 * The IANA time zone whose days, weeks and months a user's analytics are counted in. Every
 * analytics module takes the zone as an argument; this is the one place that decides it.
 */
export async function analyticsTimeZone(_ctx: FinanceContext, _userId: string): Promise<string> {
  // replaced at merge by the user's profile time zone
  return 'UTC';
}
