import type { Redis } from 'ioredis';
import type { RevocationCheck } from './tokens.js';

/** Denylist keys shared by identity (which writes them) and every service (which reads them). */
export const jtiKey = (jti: string) => `jti:${jti}`;
export const sidKey = (sid: string) => `sid:${sid}`;

export const DEFAULT_REVOCATION_PREFIX = 'expensio:revoked:';

/** The denylist as another service sees it: Redis shared with identity, no access to its tables. */
export function redisRevocationCheck(redis: Redis, prefix = DEFAULT_REVOCATION_PREFIX): RevocationCheck {
  return async ({ jti, sid }) => (await redis.exists(`${prefix}${jtiKey(jti)}`, `${prefix}${sidKey(sid)}`)) > 0;
}
