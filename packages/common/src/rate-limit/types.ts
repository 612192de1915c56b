export interface LimitRule {
  /** Attempts allowed inside the sliding window. */
  limit: number;
  windowMs: number;
  /** When set, the attempt past the limit blocks the key for this long (a lockout). */
  lockoutMs?: number;
}

export interface LimitDecision {
  allowed: boolean;
  /** How long until an attempt would be allowed again; 0 when allowed. */
  retryAfterMs: number;
  /** True only for the attempt that started a lockout, so its side effects run once. */
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
