import { SignJWT } from 'jose';
import { ACCESS_TOKEN_ALGORITHM, ACCESS_TOKEN_TYPE, newId, type Role } from '@expensio/common';
import type { SigningKeys } from './keys.js';

export interface AccessTokenSettings {
  issuer: string;
  audience: string;
  ttlMs: number;
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  expiresAt: Date;
}

export async function signAccessToken(
  keys: SigningKeys,
  settings: AccessTokenSettings,
  subject: { userId: string; role: Role; sessionId: string },
  now: Date,
): Promise<IssuedAccessToken> {
  const jti = newId();
  const issuedAt = Math.floor(now.getTime() / 1000);
  const expiresAt = new Date(issuedAt * 1000 + settings.ttlMs);
  const token = await new SignJWT({ role: subject.role, sid: subject.sessionId })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, typ: ACCESS_TOKEN_TYPE, kid: keys.kid })
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setSubject(subject.userId)
    .setJti(jti)
    .setIssuedAt(issuedAt)
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(keys.privateKey);
  return { token, jti, expiresAt };
}
