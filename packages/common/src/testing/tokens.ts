import { randomUUID } from 'node:crypto';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair } from 'jose';
import { systemClock, type Clock } from '../clock.js';
import { ACCESS_TOKEN_TYPE, createAccessTokenVerifier, type AccessTokenVerifier, type Role } from '../auth/tokens.js';

export const TEST_ISSUER = 'expensio-identity';
export const TEST_AUDIENCE = 'expensio';

export interface TestTokenClaims {
  userId: string;
  role?: Role;
  /** The session; a fresh one when omitted. */
  sid?: string;
  jti?: string;
  /** Lifetime from the clock's now; long by default, so tests may move the clock across months. */
  ttlSeconds?: number;
}

/**
 * Access tokens as identity would issue them, signed by a key the test holds, and a verifier that
 * trusts that key. Revocation is the test's to decide: `revoke(jti or sid)`.
 */
export interface TestTokenIssuer {
  verify: AccessTokenVerifier;
  mint(claims: TestTokenClaims): Promise<string>;
  /** Denies a token id or a whole session, as logout or a revoked session would. */
  revoke(jtiOrSid: string): void;
}

export async function createTestTokenIssuer(clock: Clock = systemClock): Promise<TestTokenIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'test', alg: 'ES256' }] };
  const revoked = new Set<string>();
  return {
    verify: createAccessTokenVerifier({
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      keys: createLocalJWKSet(jwks),
      isRevoked: async ({ jti, sid }) => revoked.has(jti) || revoked.has(sid),
      clock,
    }),
    mint: async ({ userId, role = 'user', sid = randomUUID(), jti = randomUUID(), ttlSeconds = 10 * 365 * 86_400 }) => {
      const now = Math.floor(clock.now().getTime() / 1000);
      return new SignJWT({ role, sid })
        .setProtectedHeader({ alg: 'ES256', typ: ACCESS_TOKEN_TYPE, kid: 'test' })
        .setIssuer(TEST_ISSUER)
        .setAudience(TEST_AUDIENCE)
        .setSubject(userId)
        .setJti(jti)
        .setIssuedAt(now)
        .setExpirationTime(now + ttlSeconds)
        .sign(privateKey);
    },
    revoke: (jtiOrSid) => {
      revoked.add(jtiOrSid);
    },
  };
}
