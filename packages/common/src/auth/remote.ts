import type { Redis } from 'ioredis';
import { createRemoteJWKSet } from 'jose';
import { systemClock, type Clock } from '../clock.js';
import { withPersonalAccessTokens } from './pat.js';
import { PAT_INTROSPECTION_PATH, remotePatResolver } from './pat-remote.js';
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
  /** Where identity resolves personal access tokens; by default beside `jwksUrl` on the same host. */
  introspectionUrl?: string;
  fetch?: typeof fetch;
}

/** How a service running apart from identity trusts its access tokens. */
export function remoteAccessTokenVerifier(options: RemoteVerifierOptions): AccessTokenVerifier {
  const isRevoked = redisRevocationCheck(options.redis);
  const clock = options.clock ?? systemClock;
  const verifyJwt = createAccessTokenVerifier({
    issuer: options.issuer,
    audience: options.audience,
    // Keys are cached; an unknown `kid` (identity rotated) refetches, at most every 30 s.
    keys: createRemoteJWKSet(new URL(options.jwksUrl), { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000 }),
    isRevoked,
    clock,
  });
  const resolvePat = remotePatResolver({
    introspectionUrl: options.introspectionUrl ?? new URL(PAT_INTROSPECTION_PATH, options.jwksUrl).toString(),
    isRevoked,
    clock,
    ...(options.fetch && { fetch: options.fetch }),
  });
  return withPersonalAccessTokens(verifyJwt, resolvePat);
}
