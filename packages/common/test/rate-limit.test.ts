import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decide,
  forSchema,
  postgresAttemptLimiter,
  redisAttemptLimiter,
  type AttemptLimiter,
  type AttemptLimitTable,
  type Database,
  type LimitRule,
  type WindowState,
} from '@expensio/common';
import { openTestDatabase, testRedisUrl } from '@expensio/common/testing';

const T0 = Date.parse('2026-01-15T09:00:00.000Z');
/** A moment `ms` after T0: tests pass time explicitly instead of sleeping. */
const at = (ms: number) => new Date(T0 + ms);
const SECOND = 1_000;
const MINUTE = 60_000;

const WINDOW: LimitRule = { limit: 3, windowMs: MINUTE };
const LOCKOUT: LimitRule = { limit: 2, windowMs: MINUTE, lockoutMs: 15 * MINUTE };
const BACKOFF: LimitRule = { limit: 2, windowMs: 60 * MINUTE, backoff: { baseMs: SECOND, maxMs: 4 * SECOND } };

const newKey = (label: string) => `${label}:${randomBytes(6).toString('hex')}`;
const EMPTY: WindowState = { hits: [], lockedUntil: null };

describe('decide (pure)', () => {
  it('counts an allowed attempt into the next state and reports what remains', () => {
    const { decision, next } = decide(EMPTY, WINDOW, T0, true);
    expect(decision).toEqual({ allowed: true, retryAfterMs: 0, lockedNow: false, remaining: 2 });
    expect(next).toEqual({ hits: [T0], lockedUntil: null });
  });

  it('drops hits that left the window and sorts the rest', () => {
    const state: WindowState = { hits: [T0 + 30 * SECOND, T0 - 2 * MINUTE, T0 + 10 * SECOND, T0], lockedUntil: null };
    const { decision, next } = decide(state, WINDOW, T0 + MINUTE, false);
    // T0 itself is exactly one window old: it no longer counts.
    expect(next.hits).toEqual([T0 + 10 * SECOND, T0 + 30 * SECOND]);
    expect(decision).toMatchObject({ allowed: true, remaining: 1 });
  });

  it('refuses a full window until its oldest hit leaves, counting nothing', () => {
    const full: WindowState = { hits: [T0 + 20 * SECOND, T0, T0 + 10 * SECOND], lockedUntil: null };
    const { decision, next } = decide(full, WINDOW, T0 + 30 * SECOND, true);
    expect(decision).toEqual({ allowed: false, retryAfterMs: 30 * SECOND, lockedNow: false, remaining: 0 });
    expect(next.hits).toEqual([T0, T0 + 10 * SECOND, T0 + 20 * SECOND]);
    expect(decide(full, WINDOW, T0 + MINUTE - 1, true).decision.retryAfterMs).toBe(1);
  });

  it('locks once: lockedNow only on the attempt that starts the lockout', () => {
    const full: WindowState = { hits: [T0, T0 + SECOND], lockedUntil: null };
    const locking = decide(full, LOCKOUT, T0 + 2 * SECOND, true);
    expect(locking.decision).toEqual({ allowed: false, retryAfterMs: 15 * MINUTE, lockedNow: true, remaining: 0 });
    expect(locking.next).toEqual({ hits: [], lockedUntil: T0 + 2 * SECOND + 15 * MINUTE });

    const during = decide(locking.next, LOCKOUT, T0 + 2 * SECOND + 5 * MINUTE, true);
    expect(during.decision).toEqual({ allowed: false, retryAfterMs: 10 * MINUTE, lockedNow: false, remaining: 0 });
    expect(during.next).toEqual(locking.next);

    const after = decide(locking.next, LOCKOUT, T0 + 2 * SECOND + 15 * MINUTE, true);
    expect(after.decision).toEqual({ allowed: true, retryAfterMs: 0, lockedNow: false, remaining: 1 });
    expect(after.next.lockedUntil).toBeNull();
  });

  it('peek neither counts nor locks', () => {
    const once = decide(EMPTY, WINDOW, T0, false);
    expect(once.decision).toMatchObject({ allowed: true, remaining: 3 });
    expect(once.next.hits).toEqual([]);

    const full: WindowState = { hits: [T0, T0 + SECOND], lockedUntil: null };
    const peeked = decide(full, LOCKOUT, T0 + 2 * SECOND, false);
    expect(peeked.decision).toEqual({ allowed: false, retryAfterMs: MINUTE - 2 * SECOND, lockedNow: false, remaining: 0 });
    expect(peeked.next).toEqual(full);
  });
});

describe('decide with backoff (pure)', () => {
  it('counts free failures, then delays from the `limit`-th on, doubling up to the cap', () => {
    let state = EMPTY;
    const delays: number[] = [];
    let now = T0;
    for (let i = 0; i < 6; i += 1) {
      const { decision, next } = decide(state, BACKOFF, now, true);
      expect(decision.allowed).toBe(true);
      delays.push(decision.retryAfterMs);
      state = next;
      now += decision.retryAfterMs;
    }
    expect(delays).toEqual([0, SECOND, 2 * SECOND, 4 * SECOND, 4 * SECOND, 4 * SECOND]);
    expect(decide(state, BACKOFF, now - 1, false).decision).toEqual({ allowed: false, retryAfterMs: 1, lockedNow: false, remaining: 0 });
    expect(decide(state, BACKOFF, now, false).decision).toMatchObject({ allowed: true });
  });

  it('forgets failures older than the window, and keeps a bounded number of hits', () => {
    const old: WindowState = { hits: Array.from({ length: 200 }, (_, i) => T0 + i), lockedUntil: null };
    expect(decide(old, BACKOFF, T0 + 60 * MINUTE + 1000, true).decision.retryAfterMs).toBe(0);
    expect(decide(old, BACKOFF, T0 + 1000, true).next.hits.length).toBeLessThan(50);
  });
});

/** The stores' reference: decide() over a Map, so the contract below is checked against it too. */
function memoryLimiter(): AttemptLimiter {
  const states = new Map<string, WindowState>();
  const run = (key: string, rule: LimitRule, now: Date, count: boolean) => {
    const { decision, next } = decide(states.get(key) ?? EMPTY, rule, now.getTime(), count);
    if (count) states.set(key, next);
    return Promise.resolve(decision);
  };
  return {
    consume: (key, rule, now) => run(key, rule, now, true),
    peek: (key, rule, now) => run(key, rule, now, false),
    reset: (key) => {
      states.delete(key);
      return Promise.resolve();
    },
    sweep: () => Promise.resolve(0),
  };
}

/** The behaviour every AttemptLimiter promises, whatever keeps its state. */
function limiterContract(limiter: () => AttemptLimiter) {
  it('allows `limit` attempts, counting down, then refuses until the oldest leaves the window', async () => {
    const key = newKey('window');
    const results = [];
    for (const ms of [0, 10 * SECOND, 20 * SECOND]) results.push(await limiter().consume(key, WINDOW, at(ms)));
    expect(results).toEqual([
      { allowed: true, retryAfterMs: 0, lockedNow: false, remaining: 2 },
      { allowed: true, retryAfterMs: 0, lockedNow: false, remaining: 1 },
      { allowed: true, retryAfterMs: 0, lockedNow: false, remaining: 0 },
    ]);
    expect(await limiter().consume(key, WINDOW, at(30 * SECOND))).toEqual({ allowed: false, retryAfterMs: 30 * SECOND, lockedNow: false, remaining: 0 });
  });

  it('slides the window and does not count refused attempts', async () => {
    const key = newKey('slide');
    for (const ms of [0, 10 * SECOND, 20 * SECOND]) await limiter().consume(key, WINDOW, at(ms));
    expect(await limiter().consume(key, WINDOW, at(MINUTE - 1))).toMatchObject({ allowed: false, retryAfterMs: 1 });
    // The hit at 0 has left; the refused attempts above were never counted.
    expect(await limiter().consume(key, WINDOW, at(MINUTE))).toEqual({ allowed: true, retryAfterMs: 0, lockedNow: false, remaining: 0 });
    expect(await limiter().consume(key, WINDOW, at(MINUTE + 1))).toMatchObject({ allowed: false, retryAfterMs: 10 * SECOND - 1 });
    expect(await limiter().consume(key, WINDOW, at(10 * SECOND + MINUTE))).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('locks out once, reports the time left, and lets the key start afresh afterwards', async () => {
    const key = newKey('lockout');
    expect(await limiter().consume(key, LOCKOUT, at(0))).toMatchObject({ allowed: true, remaining: 1 });
    expect(await limiter().consume(key, LOCKOUT, at(SECOND))).toMatchObject({ allowed: true, remaining: 0 });
    expect(await limiter().consume(key, LOCKOUT, at(2 * SECOND))).toEqual({ allowed: false, retryAfterMs: 15 * MINUTE, lockedNow: true, remaining: 0 });
    // Still locked after the window has passed; only the locking attempt said lockedNow.
    expect(await limiter().consume(key, LOCKOUT, at(2 * SECOND + 2 * MINUTE))).toEqual({
      allowed: false,
      retryAfterMs: 13 * MINUTE,
      lockedNow: false,
      remaining: 0,
    });
    expect(await limiter().peek(key, LOCKOUT, at(2 * SECOND + 10 * MINUTE))).toEqual({
      allowed: false,
      retryAfterMs: 5 * MINUTE,
      lockedNow: false,
      remaining: 0,
    });
    const unlocked = 2 * SECOND + 15 * MINUTE;
    expect(await limiter().consume(key, LOCKOUT, at(unlocked))).toEqual({ allowed: true, retryAfterMs: 0, lockedNow: false, remaining: 1 });
    expect(await limiter().consume(key, LOCKOUT, at(unlocked + SECOND))).toMatchObject({ allowed: true, remaining: 0 });
    expect(await limiter().consume(key, LOCKOUT, at(unlocked + 2 * SECOND))).toMatchObject({ allowed: false, lockedNow: true });
  });

  it('forgets the hits that caused a lockout, even one shorter than the window', async () => {
    const key = newKey('short-lockout');
    const rule: LimitRule = { limit: 2, windowMs: 60 * MINUTE, lockoutMs: MINUTE };
    await limiter().consume(key, rule, at(0));
    await limiter().consume(key, rule, at(SECOND));
    expect(await limiter().consume(key, rule, at(2 * SECOND))).toMatchObject({ allowed: false, lockedNow: true, retryAfterMs: MINUTE });
    // The window still spans the two hits, but the lockout was their penalty: the key starts afresh.
    expect(await limiter().consume(key, rule, at(2 * SECOND + MINUTE))).toEqual({ allowed: true, retryAfterMs: 0, lockedNow: false, remaining: 1 });
  });

  it('peek counts nothing and never locks', async () => {
    const key = newKey('peek');
    for (let i = 0; i < 5; i += 1) {
      expect(await limiter().peek(key, LOCKOUT, at(i))).toEqual({ allowed: true, retryAfterMs: 0, lockedNow: false, remaining: 2 });
    }
    expect(await limiter().consume(key, LOCKOUT, at(10))).toMatchObject({ allowed: true, remaining: 1 });
    expect(await limiter().peek(key, LOCKOUT, at(20))).toMatchObject({ allowed: true, remaining: 1 });
    expect(await limiter().consume(key, LOCKOUT, at(30))).toMatchObject({ allowed: true, remaining: 0 });
    for (let i = 0; i < 3; i += 1) {
      expect(await limiter().peek(key, LOCKOUT, at(40 + i))).toEqual({ allowed: false, retryAfterMs: 10 + MINUTE - (40 + i), lockedNow: false, remaining: 0 });
    }
    expect(await limiter().consume(key, LOCKOUT, at(50))).toMatchObject({ allowed: false, lockedNow: true });
  });

  it('keeps keys apart', async () => {
    const [a, b] = [newKey('a'), newKey('b')];
    for (const ms of [0, 1, 2, 3]) await limiter().consume(a, WINDOW, at(ms));
    expect(await limiter().consume(a, WINDOW, at(4))).toMatchObject({ allowed: false });
    expect(await limiter().consume(b, WINDOW, at(4))).toMatchObject({ allowed: true, remaining: 2 });
  });

  it('reset forgets hits and lockouts', async () => {
    const key = newKey('reset');
    for (const ms of [0, 1, 2]) await limiter().consume(key, LOCKOUT, at(ms));
    expect(await limiter().peek(key, LOCKOUT, at(3))).toMatchObject({ allowed: false });
    await limiter().reset(key);
    expect(await limiter().consume(key, LOCKOUT, at(4))).toEqual({ allowed: true, retryAfterMs: 0, lockedNow: false, remaining: 1 });
  });

  it('never lets concurrent attempts on one key past the limit', async () => {
    const key = newKey('race');
    const decisions = await Promise.all(Array.from({ length: 8 }, () => limiter().consume(key, WINDOW, at(0))));
    const allowed = decisions.filter((d) => d.allowed);
    expect(allowed).toHaveLength(3);
    expect(allowed.map((d) => d.remaining).sort()).toEqual([0, 1, 2]);
  });

  it('backs off: free failures, then a doubling delay that refuses and is not extended by refused attempts', async () => {
    const key = newKey('backoff');
    expect(await limiter().consume(key, BACKOFF, at(0))).toEqual({ allowed: true, retryAfterMs: 0, lockedNow: false, remaining: 1 });
    expect(await limiter().consume(key, BACKOFF, at(SECOND))).toEqual({ allowed: true, retryAfterMs: SECOND, lockedNow: true, remaining: 0 });
    expect(await limiter().peek(key, BACKOFF, at(SECOND + 400))).toEqual({ allowed: false, retryAfterMs: 600, lockedNow: false, remaining: 0 });
    expect(await limiter().consume(key, BACKOFF, at(SECOND + 500))).toMatchObject({ allowed: false, retryAfterMs: 500 });
    expect(await limiter().consume(key, BACKOFF, at(2 * SECOND))).toMatchObject({ allowed: true, retryAfterMs: 2 * SECOND, lockedNow: true });
    expect(await limiter().consume(key, BACKOFF, at(4 * SECOND))).toMatchObject({ allowed: true, retryAfterMs: 4 * SECOND });
    expect(await limiter().consume(key, BACKOFF, at(8 * SECOND))).toMatchObject({ allowed: true, retryAfterMs: 4 * SECOND });
    await limiter().reset(key);
    expect(await limiter().consume(key, BACKOFF, at(9 * SECOND))).toMatchObject({ allowed: true, retryAfterMs: 0, remaining: 1 });
  });

  it('locks exactly once under concurrent attempts', async () => {
    const key = newKey('race-lock');
    const decisions = await Promise.all(Array.from({ length: 6 }, () => limiter().consume(key, LOCKOUT, at(0))));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(2);
    expect(decisions.filter((d) => d.lockedNow)).toHaveLength(1);
  });
}

describe('the reference limiter over decide()', () => {
  const limiter = memoryLimiter();
  limiterContract(() => limiter);
});

describe('postgresAttemptLimiter', () => {
  let database: Database;
  let db: Kysely<AttemptLimitTable>;
  let limiter: AttemptLimiter;

  beforeAll(async () => {
    database = await openTestDatabase();
    db = forSchema<AttemptLimitTable>(database, 'identity');
    limiter = postgresAttemptLimiter(db);
  });
  afterAll(async () => {
    await database.close();
  });

  limiterContract(() => limiter);

  const row = (key: string) => db.selectFrom('attempt_limits').select(['hits', 'locked_until', 'expires_at']).where('key', '=', key).executeTakeFirst();

  it('keeps one row per key holding the counted hits', async () => {
    const key = newKey('row');
    await limiter.consume(key, WINDOW, at(0));
    await limiter.peek(key, WINDOW, at(SECOND));
    await limiter.consume(key, WINDOW, at(2 * SECOND));
    const stored = await row(key);
    expect(stored?.hits.map((d) => new Date(d).getTime())).toEqual([T0, T0 + 2 * SECOND]);
    expect(stored?.locked_until).toBeNull();
    expect(new Date(stored?.expires_at ?? 0).getTime()).toBe(T0 + 2 * SECOND + MINUTE);
  });

  it('sweep forgets a key only once nothing is left in its window or lockout', async () => {
    const counted = newKey('sweep-window');
    const locked = newKey('sweep-lock');
    // Far from the other tests' times, so their rows do not matter here.
    const base = 400 * 24 * 60 * MINUTE;
    await limiter.consume(counted, WINDOW, at(base));
    for (const ms of [0, 1, 2]) await limiter.consume(locked, LOCKOUT, at(base + ms));

    await limiter.sweep(at(base + MINUTE - 1), MINUTE);
    expect(await row(counted)).toBeDefined();
    expect(await row(locked)).toBeDefined();

    expect(await limiter.sweep(at(base + MINUTE + 1), MINUTE)).toBeGreaterThanOrEqual(1);
    expect(await row(counted)).toBeUndefined();
    expect(await row(locked)).toBeDefined();
    expect(await limiter.consume(locked, LOCKOUT, at(base + MINUTE + 2))).toMatchObject({ allowed: false, lockedNow: false });

    await limiter.sweep(at(base + 2 + 15 * MINUTE + 1), MINUTE);
    expect(await row(locked)).toBeUndefined();
  });
});

describe.runIf(testRedisUrl() !== undefined)('redisAttemptLimiter', () => {
  const prefix = `expensio:test:limit:${randomBytes(6).toString('hex')}:`;
  let redis: Redis;
  let limiter: AttemptLimiter;

  beforeAll(() => {
    redis = new Redis(testRedisUrl() ?? '', { maxRetriesPerRequest: 1 });
    limiter = redisAttemptLimiter(redis, prefix);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  limiterContract(() => limiter);

  it('keeps its keys under the given prefix', async () => {
    const key = newKey('prefixed');
    await limiter.consume(key, WINDOW, at(0));
    expect(await redis.exists(`${prefix}${key}:hits`)).toBe(1);
  });
});
