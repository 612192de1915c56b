import type { LimitDecision, LimitRule } from './types.js';

export interface WindowState {
  hits: number[];
  lockedUntil: number | null;
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
