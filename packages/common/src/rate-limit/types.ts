export interface LimitRule {
  /** Attempts allowed inside the sliding window (with `backoff`: free attempts before the first delay). */
  limit: number;
  /** How long a counted attempt is remembered. */
  windowMs: number;
  /** When set, the attempt past the limit blocks the key for this long (a lockout). */
  lockoutMs?: number;
  /**
   * When set, the rule counts failures and never refuses for the count alone: the counted attempt
   * number `limit` and every one after it block the key for `baseMs`, doubling with each further
   * attempt up to `maxMs`. Exclusive with `lockoutMs`.
   */
  backoff?: { baseMs: number; maxMs: number };
}

export interface LimitDecision {
  allowed: boolean;
  /**
   * How long until an attempt would be allowed again; 0 when allowed. With `backoff`, a counted
   * attempt is allowed and this is the delay it set for the next one.
   */
  retryAfterMs: number;
  /**
   * True only for the attempt that started a lockout, so its side effects run once. With
   * `backoff`, true for every counted attempt that started a delay.
   */
  lockedNow: boolean;
  remaining: number;
}

/**
 * Sliding-window counters keyed by whatever the caller limits (an email, an IP). Time comes from
 * the caller so tests can cross a window without sleeping, and so every replica agrees on a key.
 */
export interface AttemptLimiter {
  /** Counts the attempt when it is allowed; a refused attempt is not counted. */
  consume(key: string, rule: LimitRule, now: Date): Promise<LimitDecision>;
  /** Says whether an attempt would be allowed, counting nothing. */
  peek(key: string, rule: LimitRule, now: Date): Promise<LimitDecision>;
  reset(key: string): Promise<void>;
  /** Forgets keys with nothing left in any window. */
  sweep(now: Date, longestWindowMs: number): Promise<number>;
}
