import type { LimitDecision, LimitRule } from './types.js';

export interface WindowState {
  hits: number[];
  lockedUntil: number | null;
}

/**
 * Hits a backoff key keeps beyond its free ones: by then the delay is far past any cap, so older
 * hits change nothing and the stored state stays small.
 */
export const BACKOFF_EXTRA_HITS = 40;

/** The delay set by the counted attempt number `count` (1-based) under a backoff rule. */
export function failureDelay(backoff: NonNullable<LimitRule['backoff']>, limit: number, count: number): number {
  if (count < limit) return 0;
  return Math.min(backoff.baseMs * 2 ** (count - limit), backoff.maxMs);
}

/**
 * The decision every store makes, as a pure function of the stored state: stores differ only in
 * how they read and write that state atomically.
 */
export function decide(state: WindowState, rule: LimitRule, now: number, count: boolean): { decision: LimitDecision; next: WindowState } {
  if (state.lockedUntil !== null && state.lockedUntil > now) {
    return { decision: { allowed: false, retryAfterMs: state.lockedUntil - now, lockedNow: false, remaining: 0 }, next: state };
  }
  const hits = state.hits.filter((at) => at > now - rule.windowMs).sort((a, b) => a - b);
  if (rule.backoff !== undefined) {
    const next = count ? [...hits, now].slice(-(rule.limit + BACKOFF_EXTRA_HITS)) : hits;
    const delay = count ? failureDelay(rule.backoff, rule.limit, hits.length + 1) : 0;
    return {
      decision: { allowed: true, retryAfterMs: delay, lockedNow: delay > 0, remaining: Math.max(0, rule.limit - next.length) },
      next: { hits: next, lockedUntil: delay > 0 ? now + delay : null },
    };
  }
  if (hits.length < rule.limit) {
    const next = count ? [...hits, now] : hits;
    return {
      decision: { allowed: true, retryAfterMs: 0, lockedNow: false, remaining: rule.limit - next.length },
      next: { hits: next, lockedUntil: null },
    };
  }
  if (count && rule.lockoutMs !== undefined) {
    return {
      decision: { allowed: false, retryAfterMs: rule.lockoutMs, lockedNow: true, remaining: 0 },
      next: { hits: [], lockedUntil: now + rule.lockoutMs },
    };
  }
  const oldest = hits[0] ?? now;
  return {
    decision: { allowed: false, retryAfterMs: Math.max(1, oldest + rule.windowMs - now), lockedNow: false, remaining: 0 },
    next: { hits, lockedUntil: null },
  };
}
