import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { newId, TooManyRequestsError, UnauthorizedError } from '@expensio/common';
import { publishLoginFailed } from '../auth/events.js';
import { checkCredential, type CredentialSubject } from '../auth/limits.js';
import type { IdentityContext, RequestOrigin } from '../context.js';
import { otpLockedMail, otpMail } from '../mail/templates.js';
import { recordAndAlert } from '../security/alerts.js';
import { recordSecurityEvent } from '../security/events.js';
import { findUserByEmail, type UserRow } from '../users/repo.js';
import type { CodePurpose, OtpPurpose } from './purposes.js';
import { consumeChallenge, findOpenChallengeForUpdate, recordWrongCode, replaceChallenge } from './repo.js';

export type { OtpPurpose };

export function generateCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** Salted by the challenge id, so equal codes never share a hash. */
function hashCode(challengeId: string, code: string): string {
  return createHash('sha256').update(`${challengeId}:${code}`).digest('hex');
}

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Emails a code. The limit counts per address whether or not an account exists, so neither the
 * 202 nor the 429 tells a stranger who is registered.
 */
export async function requestOtp(ctx: IdentityContext, params: { email: string; purpose: OtpPurpose }, origin: RequestOrigin): Promise<void> {
  const user = await findUserByEmail(ctx.db, params.email);
  await limitCodeRequests(ctx, params.email, user, params.purpose, origin);
  if (!user || user.locked_at !== null) return;
  await sendCode(ctx, user, params.purpose, origin);
}

/** Counts a code request for an address; 429 `otp_rate_limited` past OTP_REQUEST_LIMIT (the first refusal locks and tells). */
export async function limitCodeRequests(
  ctx: IdentityContext,
  email: string,
  user: UserRow | undefined | null,
  purpose: CodePurpose,
  origin: RequestOrigin,
): Promise<void> {
  const now = ctx.clock.now();
  const { config } = ctx;
  const decision = await ctx.limiter.consume(
    `otp:${email}`,
    { limit: config.OTP_REQUEST_LIMIT, windowMs: config.OTP_REQUEST_WINDOW, lockoutMs: config.OTP_LOCKOUT },
    now,
  );
  if (decision.allowed) return;
  if (decision.lockedNow && user) await reportLockout(ctx, user, purpose, origin, new Date(now.getTime() + decision.retryAfterMs));
  throw new TooManyRequestsError(decision.retryAfterMs / 1000, 'Too many code requests for this address; try again later', 'otp_rate_limited');
}

/** Replaces the user's open code for this purpose and mails the new one (after the request limit was counted). */
export async function sendCode(ctx: IdentityContext, user: UserRow, purpose: CodePurpose, origin: RequestOrigin): Promise<void> {
  const now = ctx.clock.now();
  const { config } = ctx;
  const code = generateCode();
  const id = newId();
  await ctx.db.transaction().execute(async (trx) => {
    await replaceChallenge(trx, { id, userId: user.id, purpose, codeHash: hashCode(id, code), now, expiresAt: new Date(now.getTime() + config.OTP_TTL) });
    await recordSecurityEvent(trx, { userId: user.id, type: 'otp.requested', severity: 'info', origin, details: { purpose }, now });
  });
  ctx.mail.enqueue(otpMail(user.email, code, purpose, config.OTP_TTL), `otp-${purpose}`);
}

/** Said once, by the request that starts the lockout: to the services, and to the holder by alert and mail. */
async function reportLockout(ctx: IdentityContext, user: UserRow, purpose: CodePurpose, origin: RequestOrigin, lockedUntil: Date) {
  const now = ctx.clock.now();
  const minutes = Math.round(ctx.config.OTP_LOCKOUT / 60_000);
  await ctx.db.transaction().execute(async (trx) => {
    await ctx.bus.publish(trx, 'auth.otp.locked', user.id, {
      purpose: purpose === 'step_up' ? 'login' : purpose,
      lockedUntil: lockedUntil.toISOString(),
      ip: origin.ip.slice(0, 64),
    });
    await recordAndAlert(ctx, trx, {
      userId: user.id,
      type: 'otp.locked',
      severity: 'warning',
      origin,
      details: { purpose, lockedUntil: lockedUntil.toISOString() },
      message: `Too many codes were requested for your address; no new code will be sent for ${String(minutes)} minutes.`,
      now,
    });
  });
  ctx.mail.enqueue(otpLockedMail(user.email, ctx.config.OTP_LOCKOUT), 'otp-locked');
}

/** Spends the user's open code for this purpose when it matches: single use, expires, void after too many wrong tries. */
export async function spendCode(
  ctx: IdentityContext,
  user: UserRow,
  params: { code: string; purpose: CodePurpose },
): Promise<'ok' | 'wrong_code' | 'no_valid_code'> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const challenge = await findOpenChallengeForUpdate(trx, { userId: user.id, purpose: params.purpose });
    if (!challenge || challenge.expires_at.getTime() <= now.getTime()) return 'no_valid_code' as const;
    if (!sameHash(challenge.code_hash, hashCode(challenge.id, params.code))) {
      const attempts = challenge.attempts + 1;
      await recordWrongCode(trx, { id: challenge.id, attempts, voidNow: attempts >= ctx.config.OTP_MAX_ATTEMPTS, now });
      return 'wrong_code' as const;
    }
    await consumeChallenge(trx, { id: challenge.id, now });
    return 'ok' as const;
  });
}

/**
 * Proves the holder of an address by its emailed code, under the credential limits shared with
 * passwords (auth/limits.ts). An account held for password guessing still gets in this way: the
 * code proves the mailbox, and the hold mail points here. An admin-locked account never does, and
 * is answered like a wrong code. False (and a security event) when the proof fails.
 */
export async function proveByCode(
  ctx: IdentityContext,
  subject: CredentialSubject,
  params: { code: string; purpose: CodePurpose },
  origin: RequestOrigin,
): Promise<boolean> {
  const { user } = subject;
  const outcome = await checkCredential(
    ctx,
    subject,
    origin,
    async () => {
      if (!user) return 'unknown_email';
      if (user.locked_at !== null) return 'account_locked';
      return spendCode(ctx, user, params);
    },
    { passesHold: true },
  );
  if (outcome === 'ok') return true;
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    if (user)
      await recordSecurityEvent(trx, {
        userId: user.id,
        type: 'otp.failed',
        severity: 'warning',
        origin,
        details: { purpose: params.purpose, reason: outcome },
        now,
      });
    if (params.purpose === 'login' || params.purpose === 'step_up')
      await publishLoginFailed(ctx, trx, { userId: user?.id ?? null, email: subject.email, reason: outcome, origin });
  });
  return false;
}

export const INVALID_CODE = 'The code is wrong or has expired';

/** Proves the holder of an address by its emailed code; 401 otherwise. */
export async function verifyOtp(ctx: IdentityContext, params: { email: string; code: string; purpose: OtpPurpose }, origin: RequestOrigin): Promise<UserRow> {
  const user = (await findUserByEmail(ctx.db, params.email)) ?? null;
  const proven = await proveByCode(ctx, { email: params.email, user }, params, origin);
  if (!proven || !user) throw new UnauthorizedError(INVALID_CODE, 'invalid_code');
  return user;
}
