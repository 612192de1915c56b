import { createHash, randomInt } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { UnauthorizedError } from '../errors/index.js';
import type { AccessTokenVerifier, AuthUser } from './tokens.js';

/**
 * Personal access tokens look like `exp_pat_<43 base62 characters><6 base62 checksum>`: the prefix
 * lets secret scanners find them, 43 random base62 characters carry 256 bits, and the CRC32 of those
 * characters lets a scanner (and this code, before any lookup) tell a real token from a typo offline,
 * as GitHub's tokens do.
 */
export const PAT_PREFIX = 'exp_pat_';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SECRET_LENGTH = 43;
const CHECKSUM_LENGTH = 6;
const PAT_PATTERN = new RegExp(`^${PAT_PREFIX}([0-9A-Za-z]{${String(SECRET_LENGTH)}})([0-9A-Za-z]{${String(CHECKSUM_LENGTH)}})$`);

function checksumOf(secret: string): string {
  let value = crc32(secret);
  let text = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i += 1) {
    text = BASE62.charAt(value % 62) + text;
    value = Math.floor(value / 62);
  }
  return text;
}

export function generatePersonalAccessToken(): string {
  let secret = '';
  for (let i = 0; i < SECRET_LENGTH; i += 1) secret += BASE62.charAt(randomInt(62));
  return `${PAT_PREFIX}${secret}${checksumOf(secret)}`;
}

export function isPersonalAccessToken(token: string): boolean {
  return token.startsWith(PAT_PREFIX);
}

/** Prefix, length, alphabet and checksum: what can be told without asking anyone. */
export function isWellFormedPersonalAccessToken(token: string): boolean {
  const match = PAT_PATTERN.exec(token);
  return match !== null && checksumOf(match[1] ?? '') === match[2];
}

/**
 * What is stored and looked up. A plain SHA-256 is right here, unlike for passwords: the token has
 * 256 bits of entropy, so nobody can guess their way back from the hash however fast it is, and a
 * fast hash keeps the lookup on every request cheap.
 */
export function hashPersonalAccessToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Finds the user behind a personal access token, with its scopes, or throws a 401. */
export type PersonalAccessTokenResolver = (token: string) => Promise<AuthUser>;

export function invalidPersonalAccessToken(): UnauthorizedError {
  return new UnauthorizedError('The personal access token is not valid', 'invalid_token');
}

/** One verifier for both kinds of Bearer token: `exp_pat_…` goes to the resolver, anything else is a JWT. */
export function withPersonalAccessTokens(verifyJwt: AccessTokenVerifier, resolve: PersonalAccessTokenResolver): AccessTokenVerifier {
  return async (token) => {
    if (!isPersonalAccessToken(token)) return verifyJwt(token);
    if (!isWellFormedPersonalAccessToken(token)) throw invalidPersonalAccessToken();
    return resolve(token);
  };
}
