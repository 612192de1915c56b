import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AttemptLimiter, LimitDecision, LimitRule } from './types.js';
import { BACKOFF_EXTRA_HITS } from './window.js';

// The same rule as window.ts `decide`, run inside Redis so replicas decide atomically.
const SCRIPT = `
local hitsKey, lockKey = KEYS[1], KEYS[2]
local now, window, limit, lockout = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local count, member = ARGV[5] == '1', ARGV[6]
local backoffBase, backoffMax, keep = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local lockedUntil = tonumber(redis.call('GET', lockKey) or '0')
if lockedUntil > now then return {0, lockedUntil - now, 0, 0} end
redis.call('ZREMRANGEBYSCORE', hitsKey, '-inf', now - window)
local used = redis.call('ZCARD', hitsKey)
if backoffBase > 0 then
  if not count then return {1, 0, 0, math.max(0, limit - used)} end
  redis.call('ZADD', hitsKey, now, member)
  redis.call('ZREMRANGEBYRANK', hitsKey, 0, -(keep + 1))
  redis.call('PEXPIRE', hitsKey, window)
  used = redis.call('ZCARD', hitsKey)
  local delay = 0
  if used >= limit then delay = math.min(backoffBase * 2 ^ (used - limit), backoffMax) end
  if delay > 0 then
    redis.call('SET', lockKey, now + delay, 'PX', delay)
    return {1, delay, 1, math.max(0, limit - used)}
  end
  return {1, 0, 0, math.max(0, limit - used)}
end
if used < limit then
  if count then
    redis.call('ZADD', hitsKey, now, member)
    redis.call('PEXPIRE', hitsKey, window)
    used = used + 1
  end
  return {1, 0, 0, limit - used}
end
if count and lockout > 0 then
  redis.call('SET', lockKey, now + lockout, 'PX', lockout)
  redis.call('DEL', hitsKey)
  return {0, lockout, 1, 0}
end
local oldest = redis.call('ZRANGE', hitsKey, 0, 0, 'WITHSCORES')[2]
return {0, math.max(1, tonumber(oldest) + window - now), 0, 0}
`;

export function redisAttemptLimiter(redis: Redis, prefix = 'expensio:limit:'): AttemptLimiter {
  async function run(key: string, rule: LimitRule, now: Date, count: boolean): Promise<LimitDecision> {
    const at = now.getTime();
    const member = `${at}-${randomBytes(6).toString('hex')}`;
    const reply = (await redis.eval(
      SCRIPT,
      2,
      `${prefix}${key}:hits`,
      `${prefix}${key}:lock`,
      at,
      rule.windowMs,
      rule.limit,
      rule.lockoutMs ?? 0,
      count ? '1' : '0',
      member,
      rule.backoff?.baseMs ?? 0,
      rule.backoff?.maxMs ?? 0,
      rule.limit + BACKOFF_EXTRA_HITS,
    )) as [number, number, number, number];
    return { allowed: reply[0] === 1, retryAfterMs: reply[1], lockedNow: reply[2] === 1, remaining: reply[3] };
  }
  return {
    consume: (key, rule, now) => run(key, rule, now, true),
    peek: (key, rule, now) => run(key, rule, now, false),
    reset: async (key) => {
      await redis.del(`${prefix}${key}:hits`, `${prefix}${key}:lock`);
    },
    // Redis expires its own keys.
    sweep: () => Promise.resolve(0),
  };
}
