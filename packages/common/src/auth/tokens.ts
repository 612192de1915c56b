import { errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { ServiceUnavailableError, UnauthorizedError } from '../errors/index.js';
import type { Clock } from '../clock.js';
import type { Scope } from './scopes.js';
import { TtlCache } from '../ttl-cache.js';

export const ACCESS_TOKEN_TYPE = 'at+jwt';
export const ACCESS_TOKEN_ALGORITHM = 'ES256';
export const ROLES = ['user', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, as proven by a verified access token. */
export interface AuthUser {
  id: string;
  role: Role;
  /** The token's own id: logout denies it until it expires. A personal access token's id. */
  jti: string;
  /** The session (refresh-token family) the token was issued for; a personal access token's id. */
  sid: string;
  expiresAt: Date;
  /** What a personal access token may do; undefined for a signed-in session, which may do everything. */
  scopes?: readonly Scope[];
}

/** Answers whether a token was revoked before its expiry: by its own id or by its session. */
export type RevocationCheck = (token: { jti: string; sid: string }) => Promise<boolean>;

export interface AccessTokenVerifierOptions {
  issuer: string;
  audience: string;
  keys: JWTVerifyGetKey;
  isRevoked: RevocationCheck;
  clock: Clock;
  /** How many verified tokens to remember (default 10,000). */
  cacheSize?: number;
}

export type AccessTokenVerifier = (token: string) => Promise<AuthUser>;

export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): AccessTokenVerifier {
  // Tokens whose signature and claims were verified, by their exact text, until they expire: a
  // client sends the same token on every request for its whole life (minutes), and checking an
  // ES256 signature is most of the CPU of verifying one. Revocation is not cached: it is asked on
  // every request, so a logout still takes effect at once.
  const verified = new TtlCache<string, AuthUser>(options.cacheSize ?? 10_000);
  return async (token) => {
    const known = verified.get(token, options.clock.now());
    if (known !== undefined) {
      await checkRevocation(options.isRevoked, known);
      return known;
    }
    let payload;
    try {
      ({ payload } = await jwtVerify(token, options.keys, {
        issuer: options.issuer,
        audience: options.audience,
        // Pinned: a token cannot choose its own algorithm (no `none`, no HMAC with the public key).
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        typ: ACCESS_TOKEN_TYPE,
        currentDate: options.clock.now(),
        requiredClaims: ['exp', 'iat', 'jti', 'sub', 'sid'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new UnauthorizedError('The access token has expired', 'token_expired');
      if (error instanceof joseErrors.JOSEError) throw new UnauthorizedError('The access token is not valid', 'invalid_token');
      throw error;
    }
    const { sub, jti, sid, role, exp } = payload;
    if (typeof sub !== 'string' || typeof jti !== 'string' || typeof sid !== 'string' || typeof exp !== 'number' || !ROLES.includes(role as Role)) {
      throw new UnauthorizedError('The access token is not valid', 'invalid_token');
    }
    const user: AuthUser = { id: sub, role: role as Role, jti, sid, expiresAt: new Date(exp * 1000) };
    await checkRevocation(options.isRevoked, user);
    verified.set(token, user, user.expiresAt);
    return user;
  };
}

export async function checkRevocation(isRevoked: RevocationCheck, user: AuthUser): Promise<void> {
  let revoked: boolean;
  try {
    revoked = await isRevoked({ jti: user.jti, sid: user.sid });
  } catch (error) {
    // Fail closed: if we cannot tell whether a token was revoked, we do not honour it.
    throw new ServiceUnavailableError('Token revocation could not be checked', 'revocation_unavailable', { cause: error });
  }
  if (revoked) throw new UnauthorizedError('The access token has been revoked', 'token_revoked');
}
