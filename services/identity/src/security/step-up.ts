import { AppError, ConflictError, newId, UnauthorizedError } from '@expensio/common';
import { publishLoginSucceeded } from '../auth/events.js';
import { checkCredential } from '../auth/limits.js';
import type { IdentityContext, RequestOrigin } from '../context.js';
import { limitCodeRequests, sendCode, spendCode } from '../otp/service.js';
import { startSession, type TokenPair } from '../tokens/sessions.js';
import { spendSecondFactor, totpEnabled } from '../totp/service.js';
import { findUserById, type UserRow } from '../users/repo.js';
import { raiseAlert } from './alerts.js';
import { recordSecurityEvent } from './events.js';
import { getSettings } from './settings.js';
import { isFamiliar, observeSignIn, recordSignIn, type Observation } from './sign-ins.js';
import { consumeChallenge, countWrongTry, findOpenChallenge, insertChallenge } from './step-up-repo.js';

export const STEP_UP_TTL_MS = 5 * 60_000;
export const STEP_UP_MAX_TRIES = 5;

export type StepUpMethod = 'email_code' | 'totp' | 'backup_code';

/** Why a correct password still needs a second step, or null when it does not. */
export async function stepUpReason(ctx: IdentityContext, user: UserRow, observation: Observation): Promise<'totp' | 'always' | 'risk' | null> {
  if (await totpEnabled(ctx, user.id)) return 'totp';
  const settings = await getSettings(ctx.db, user.id);
  if (settings.stepUp === 'always') return 'always';
  if (observation.assessment.score >= ctx.config.STEP_UP_THRESHOLD && !isFamiliar(observation)) return 'risk';
  return null;
}

/**
 * Holds a sign-in whose password was right: no tokens, a challenge to finish it with. With an
 * authenticator on, only its codes (or a backup code) finish it: an emailed code would let whoever
 * holds the mailbox and the password skip the authenticator. Otherwise a code is mailed at once.
 */
export async function holdForStepUp(
  ctx: IdentityContext,
  user: UserRow,
  observation: Observation,
  reason: 'totp' | 'always' | 'risk',
  firstStep: 'password' | 'otp' = 'password',
): Promise<never> {
  const now = ctx.clock.now();
  const methods: StepUpMethod[] = reason === 'totp' ? ['totp', 'backup_code'] : ['email_code'];
  if (methods.includes('email_code')) await limitCodeRequests(ctx, user.email, user, 'step_up', observation.origin);
  const id = newId();
  const expiresAt = new Date(now.getTime() + STEP_UP_TTL_MS);
  const { signals, score } = observation.assessment;
  const reasons = signals.map((s) => s.code);
  const settings = await getSettings(ctx.db, user.id);
  await ctx.db.transaction().execute(async (trx) => {
    await insertChallenge(trx, {
      id,
      userId: user.id,
      firstStep,
      methods,
      ip: observation.origin.ip,
      userAgent: observation.origin.userAgent,
      riskScore: score,
      reasons,
      now,
      expiresAt,
    });
    await recordSignIn(ctx, trx, { user, observation, method: firstStep, outcome: 'step_up_required' });
    if (reason === 'risk') {
      await raiseAlert(ctx, trx, user, {
        type: 'login.step_up_required',
        severity: 'warning',
        message: `Someone signed in with your password, and it looked unusual, so we asked for a second step: ${signals.map((s) => s.message).join(' ')} If it was not you, change your password now.`,
        origin: observation.origin,
        location: observation.location,
        reasons,
        channels: settings.channels,
        details: { riskScore: score },
      });
    } else {
      await recordSecurityEvent(trx, {
        userId: user.id,
        type: 'login.step_up_required',
        severity: 'info',
        origin: observation.origin,
        location: observation.location,
        reasons,
        details: { why: reason },
        now,
      });
    }
  });
  if (methods.includes('email_code')) await sendCode(ctx, user, 'step_up', observation.origin);
  throw new AppError(403, 'step_up_required', 'Second step required', {
    detail: `The ${firstStep === 'password' ? 'password' : 'code'} was right; finish signing in with POST /api/auth/login/step-up and one of the methods listed.`,
    extensions: { challengeId: id, methods, expiresAt: expiresAt.toISOString() },
  });
}

const CHALLENGE_GONE = 'This sign-in step has expired or was already used; sign in again';

/**
 * Mails a new code for a held sign-in that offers one (the previous code stops working), under the
 * same per-address limit as every code request (`limitCodeRequests`: OTP_REQUEST_LIMIT per window,
 * then the lockout, its security event and mail; 429 `otp_rate_limited`). The challenge keeps its
 * expiry and its count of wrong tries: a resend neither stretches nor resets a held sign-in. It
 * tells no more than the 403 that handed out the challenge did: gone is 401 `invalid_challenge`, as
 * for POST /api/auth/login/step-up; a challenge only an authenticator finishes is 409
 * `email_code_not_offered`; a locked account is answered like any other and mailed nothing.
 */
export async function resendStepUpCode(ctx: IdentityContext, params: { challengeId: string }, origin: RequestOrigin): Promise<void> {
  const challenge = await findOpenChallenge(ctx.db, { id: params.challengeId, now: ctx.clock.now() });
  const user = challenge && (await findUserById(ctx.db, challenge.user_id));
  if (!challenge || !user) throw new UnauthorizedError(CHALLENGE_GONE, 'invalid_challenge');
  if (!challenge.methods.includes('email_code')) {
    throw new ConflictError('This sign-in step is finished with an authenticator or backup code; no code is emailed for it', 'email_code_not_offered');
  }
  await limitCodeRequests(ctx, user.email, user, 'step_up', origin);
  if (user.locked_at !== null) return;
  await sendCode(ctx, user, 'step_up', origin);
}

/**
 * Finishes a held sign-in with the emailed code, a TOTP code or a backup code. Each wrong code
 * counts against the challenge (STEP_UP_MAX_TRIES) and, through `checkCredential`, against the
 * account's sign-in limits. Success makes the held sign-in's device and place known.
 */
export async function completeStepUp(
  ctx: IdentityContext,
  params: { challengeId: string; code: string },
  origin: RequestOrigin,
): Promise<{ user: UserRow; tokens: TokenPair }> {
  const challenge = await findOpenChallenge(ctx.db, { id: params.challengeId, now: ctx.clock.now() });
  const user = challenge && (await findUserById(ctx.db, challenge.user_id));
  if (!challenge || !user) throw new UnauthorizedError(CHALLENGE_GONE, 'invalid_challenge');
  const { methods } = challenge;
  let method: string | null = null;
  const outcome = await checkCredential(ctx, { email: user.email, user }, origin, async () => {
    if (user.locked_at !== null) return 'account_locked';
    if (methods.includes('email_code') && /^\d{6}$/.test(params.code)) {
      const spent = await spendCode(ctx, user, { code: params.code, purpose: 'step_up' });
      if (spent === 'ok') method = 'email_code';
      return spent;
    }
    if (methods.includes('totp')) method = await spendSecondFactor(ctx, user.id, params.code);
    return method === null ? 'wrong_code' : 'ok';
  });
  const held: RequestOrigin = { ip: challenge.ip, userAgent: challenge.user_agent };
  if (outcome !== 'ok') {
    const now = ctx.clock.now();
    const observation = await observeSignIn(ctx, user, origin);
    await ctx.db.transaction().execute(async (trx) => {
      await countWrongTry(trx, { id: challenge.id, maxAttempts: STEP_UP_MAX_TRIES, now });
      await recordSignIn(ctx, trx, { user, observation, method: 'step_up', outcome: 'failure' });
      await recordSecurityEvent(trx, {
        userId: user.id,
        type: 'login.step_up_failed',
        severity: 'warning',
        origin,
        location: observation.location,
        details: { reason: outcome },
        now,
      });
    });
    throw new UnauthorizedError('The code is wrong or has expired', 'invalid_code');
  }
  const observation = await observeSignIn(ctx, user, held);
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    if (!(await consumeChallenge(trx, { id: challenge.id, now }))) throw new UnauthorizedError(CHALLENGE_GONE, 'invalid_challenge');
    const { sessionId, tokens } = await startSession(ctx, user, held, trx);
    await recordSignIn(ctx, trx, { user, observation, method: 'step_up', outcome: 'success', sessionId, quiet: true });
    await recordSecurityEvent(trx, {
      userId: user.id,
      type: 'login.step_up_passed',
      severity: 'info',
      origin: held,
      location: observation.location,
      reasons: challenge.reasons,
      details: { method, newDevice: !observation.history.deviceKnown },
      now,
    });
    await publishLoginSucceeded(ctx, trx, { userId: user.id, sessionId, method: challenge.first_step, origin: held });
    return { user, tokens };
  });
}
