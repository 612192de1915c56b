import { z } from 'zod';
import { ServiceUnavailableError, UnauthorizedError } from '../errors/index.js';
import type { Clock } from '../clock.js';
import { hashPersonalAccessToken, type PersonalAccessTokenResolver } from './pat.js';
import { SCOPES } from './scopes.js';
import { checkRevocation, ROLES, type AuthUser, type RevocationCheck } from './tokens.js';

/** Identity's answer about a personal access token: the internal route that services running alone ask. */
export const PAT_INTROSPECTION_PATH = '/internal/auth/tokens/introspect';

export const patIntrospectionSchema = z.object({
  userId: z.string(),
  role: z.enum(ROLES),
  tokenId: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  expiresAt: z.iso.datetime(),
});
export type PatIntrospection = z.infer<typeof patIntrospectionSchema>;

const problemSchema = z.object({ code: z.string(), detail: z.string().optional() });

/**
 * How long a service running alone trusts identity's answer. Revocation and account deletion do not
 * wait for it (identity denies the token in the shared denylist, checked on every request); a lock
 * or a role change does, so this is also the bound on those.
 */
export const PAT_CACHE_MS = 30_000;

export interface RemotePatResolverOptions {
  introspectionUrl: string;
  isRevoked: RevocationCheck;
  clock: Clock;
  cacheMs?: number;
  cacheSize?: number;
  fetch?: typeof fetch;
}

export function remotePatResolver(options: RemotePatResolverOptions): PersonalAccessTokenResolver {
  const cacheMs = options.cacheMs ?? PAT_CACHE_MS;
  const capacity = options.cacheSize ?? 10_000;
  const doFetch = options.fetch ?? fetch;
  // Keyed by hash, so the process holds no usable token beyond the request it serves.
  const cache = new Map<string, { user: AuthUser; until: number }>();

  return async (token) => {
    const key = hashPersonalAccessToken(token);
    const now = options.clock.now().getTime();
    const hit = cache.get(key);
    if (hit !== undefined && hit.until > now) {
      await checkRevocation(options.isRevoked, hit.user);
      return hit.user;
    }
    cache.delete(key);
    const user = await introspect(doFetch, options.introspectionUrl, token);
    if (cache.size >= capacity) {
      const oldest = cache.keys().next();
      if (oldest.done !== true) cache.delete(oldest.value);
    }
    cache.set(key, { user, until: Math.min(now + cacheMs, user.expiresAt.getTime()) });
    return user;
  };
}

async function introspect(doFetch: typeof fetch, url: string, token: string): Promise<AuthUser> {
  let response: Response;
  try {
    response = await doFetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  } catch (error) {
    throw unavailable(error);
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (response.status === 401) {
    const problem = problemSchema.safeParse(body);
    throw problem.success
      ? new UnauthorizedError(problem.data.detail, problem.data.code)
      : new UnauthorizedError('The personal access token is not valid', 'invalid_token');
  }
  const answer = patIntrospectionSchema.safeParse(body);
  // Fail closed: a token identity did not vouch for is not honoured.
  if (response.status !== 200 || !answer.success) throw unavailable(new Error(`introspection answered ${String(response.status)}`));
  const { userId, role, tokenId, scopes, expiresAt } = answer.data;
  return { id: userId, role, jti: tokenId, sid: tokenId, expiresAt: new Date(expiresAt), scopes };
}

function unavailable(cause: unknown) {
  return new ServiceUnavailableError('The personal access token could not be checked with identity', 'introspection_unavailable', { cause });
}
