import type { UserRow } from '../users/repo.js';

/**
 * The time zone a user's hours of day are read in (the unusual-hour signal). Identity keeps no time
 * zone yet, so it is UTC for everyone; when the profile gains one, return it here and nothing else
 * changes.
 */
export function userTimeZone(_user: Pick<UserRow, 'id'>): string {
  return 'UTC';
}
