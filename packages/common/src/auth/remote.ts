import type { Redis } from 'ioredis';
import { createRemoteJWKSet } from 'jose';
import { systemClock, type Clock } from '../clock.js';
import { redisRevocationCheck } from './revocation.js';
import { createAccessTokenVerifier, type AccessTokenVerifier } from './tokens.js';

export interface RemoteVerifierOptions {
  /** Identity's published keys, e.g. http://identity:3000/.well-known/jwks.json. */
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** The denylist identity writes to; shared so a logout is honoured by every service at once. */
  redis: Redis;
  clock?: Clock;
}

/** How a service running apart from identity trusts its access tokens. */
export function remoteAccessTokenVerifier(options: RemoteVerifierOptions): AccessTokenVerifier {
  return createAccessTokenVerifier({
    issuer: options.issuer,
    audience: options.audience,
    // Keys are cached; an unknown `kid` (identity rotated) refetches, at most every 30 s.
    keys: createRemoteJWKSet(new URL(options.jwksUrl), { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000 }),
    isRevoked: redisRevocationCheck(options.redis),
    clock: options.clock ?? systemClock,
  });
}
