import { sql, type Expression, type RawBuilder } from 'kysely';

/** Past this many doublings every delay is at the cap anyway; it keeps 2^n finite in SQL. */
const MAX_DOUBLINGS = 30;

/**
 * Exponential back-off with ±20% jitter: the delay before attempt `attempt + 1`, so the first
 * failure (attempt 1) waits about `baseMs`. Never more than `maxMs`: at the cap the jitter only
 * shortens the wait, so retries of many items that all reached it still spread out.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.min(MAX_DOUBLINGS, Math.max(0, attempt - 1)));
  return Math.round(Math.min(maxMs, exponential * (0.8 + random() * 0.4)));
}

/**
 * `backoffDelay` in SQL, for a retry scheduled row by row in one statement. `jitter` stands for
 * `random()` (a value in [0, 1)); a test passes a fixed one.
 */
export function backoffDelaySql(
  attempt: Expression<number>,
  baseMs: number,
  maxMs: number,
  jitter: Expression<number> = sql<number>`random()`,
): RawBuilder<number> {
  const exponential = sql`least(${maxMs}::double precision, ${baseMs}::double precision * power(2, least(${MAX_DOUBLINGS}, greatest(0, ${attempt} - 1))))`;
  return sql<number>`round(least(${maxMs}::double precision, ${exponential} * (0.8 + ${jitter} * 0.4)))`;
}
