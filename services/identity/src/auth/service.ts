import { ConflictError, UnauthorizedError, fieldError, newId, type AuthUser } from '@expensio/common';
import type { IdentityContext, RequestOrigin } from '../context.js';
import { passwordChangedMail } from '../mail/templates.js';
import { verifyOtp } from '../otp/service.js';
import { passwordProblem } from '../passwords/policy.js';
import { recordAndAlert } from '../security/alerts.js';
import { recordSecurityEvent } from '../security/events.js';
import { observeSignIn, recordSignIn, type Observation } from '../security/sign-ins.js';
import { completeStepUp, holdForStepUp, stepUpReason } from '../security/step-up.js';
import { hashToken, denyAccessToken, endSessions, startSession, type TokenPair } from '../tokens/sessions.js';
import { findSessionOwner } from '../tokens/sessions-repo.js';
import { publishUserRegistered, publishUserUpdated } from '../users/events.js';
import { findUserByEmail, findUserById, insertUser, updateUser, type UserRow } from '../users/repo.js';
import { publishLoginSucceeded } from './events.js';
import { checkCredential, proveCurrentPassword, recordCredentialFailure } from './limits.js';
import { limitRegistrations } from './registration-limit.js';

export interface SignedIn {
  user: UserRow;
  tokens: TokenPair;
}

const INVALID_CREDENTIALS = 'Email or password is incorrect';

function checkPassword(password: string, user: { email: string; name?: string | null }, field: string) {
  const problem = passwordProblem(password, user);
  if (problem !== null) throw fieldError(field, `Password ${problem}`, 'weak_password');
}

export async function register(
  ctx: IdentityContext,
  params: { email: string; password: string; name?: string | undefined; timeZone?: string | undefined },
  origin: RequestOrigin,
): Promise<SignedIn> {
  await limitRegistrations(ctx, params.email, origin);
  checkPassword(params.password, params, 'password');
  const passwordHash = await ctx.hasher.hash(params.password);
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const user = await insertUser(trx, {
      id: newId(),
      email: params.email,
      name: params.name ?? null,
      passwordHash,
      role: 'user',
      timeZone: params.timeZone,
      now,
    });
    if (!user) throw new ConflictError('An account with this email already exists', 'email_taken');
    const { sessionId, tokens } = await startSession(ctx, user, origin, trx);
    // Registration is the first sign-in: its device and place are known from here on.
    const observation = await observeSignIn(ctx, user, origin, trx);
    await recordSignIn(ctx, trx, { user, observation, method: 'registration', outcome: 'success', sessionId });
    await recordSecurityEvent(trx, { userId: user.id, type: 'user.registered', severity: 'info', origin, location: observation.location, now });
    await publishUserRegistered(ctx, trx, user);
    return { user, tokens };
  });
}

/** After a credential check passed (which refuses an admin-locked account). */
async function signIn(ctx: IdentityContext, user: UserRow, observation: Observation, method: 'password' | 'otp'): Promise<SignedIn> {
  const now = ctx.clock.now();
  const { origin } = observation;
  return ctx.db.transaction().execute(async (trx) => {
    // A code that arrived by email proves the address.
    const verified = method === 'otp' && user.email_verified_at === null ? await updateUser(trx, user.id, { email_verified_at: now }, now) : undefined;
    if (verified) await publishUserUpdated(ctx, trx, verified, ['emailVerified']);
    const { sessionId, tokens } = await startSession(ctx, user, origin, trx);
    await recordSignIn(ctx, trx, { user, observation, method, outcome: 'success', sessionId });
    const reasons = observation.assessment.signals.map((s) => s.code);
    await recordSecurityEvent(trx, {
      userId: user.id,
      type: 'login.succeeded',
      severity: 'info',
      origin,
      location: observation.location,
      reasons,
      details: { method, riskScore: observation.assessment.score },
      now,
    });
    await publishLoginSucceeded(ctx, trx, { userId: user.id, sessionId, method, origin });
    return { user: verified ?? user, tokens };
  });
}

/**
 * An admin-locked or held account answers every password as a wrong one (same status, body, and
 * Argon2 time), so neither the lock nor the hold tells an attacker which password was right.
 */
export async function loginWithPassword(ctx: IdentityContext, params: { email: string; password: string }, origin: RequestOrigin): Promise<SignedIn> {
  const user = (await findUserByEmail(ctx.db, params.email)) ?? null;
  const subject = { email: params.email, user };
  const outcome = await checkCredential(ctx, subject, origin, async () => {
    if (!user?.password_hash) {
      await ctx.hasher.verifyNothing(params.password);
      return user ? 'wrong_password' : 'unknown_email';
    }
    const matches = await ctx.hasher.verify(user.password_hash, params.password);
    if (user.locked_at !== null) return 'account_locked';
    return matches ? 'ok' : 'wrong_password';
  });
  if (outcome !== 'ok' || !user) {
    await recordCredentialFailure(ctx, subject, origin, outcome === 'ok' ? 'unknown_email' : outcome);
    if (user) await recordFailedSignIn(ctx, user, origin, 'password');
    throw new UnauthorizedError(INVALID_CREDENTIALS, 'invalid_credentials');
  }
  const observation = await observeSignIn(ctx, user, origin);
  const stepUp = await stepUpReason(ctx, user, observation);
  if (stepUp !== null) await holdForStepUp(ctx, user, observation, stepUp);
  return signIn(ctx, user, observation, 'password');
}

async function recordFailedSignIn(ctx: IdentityContext, user: UserRow, origin: RequestOrigin, method: 'password' | 'otp'): Promise<void> {
  const observation = await observeSignIn(ctx, user, origin);
  await ctx.db.transaction().execute((trx) => recordSignIn(ctx, trx, { user, observation, method, outcome: 'failure' }));
}

/** The second step of a held password sign-in. */
export async function loginWithStepUp(ctx: IdentityContext, params: { challengeId: string; code: string }, origin: RequestOrigin): Promise<SignedIn> {
  return completeStepUp(ctx, params, origin);
}

export async function loginWithOtp(ctx: IdentityContext, params: { email: string; code: string }, origin: RequestOrigin): Promise<SignedIn> {
  let user: UserRow;
  try {
    user = await verifyOtp(ctx, { ...params, purpose: 'login' }, origin);
  } catch (error) {
    const known = error instanceof UnauthorizedError ? await findUserByEmail(ctx.db, params.email) : undefined;
    if (known) await recordFailedSignIn(ctx, known, origin, 'otp');
    throw error;
  }
  const observation = await observeSignIn(ctx, user, origin);
  // The mailbox is not a second factor: with an authenticator on, a code sign-in needs it too.
  if ((await stepUpReason(ctx, user, observation)) === 'totp') await holdForStepUp(ctx, user, observation, 'totp', 'otp');
  return signIn(ctx, user, observation, 'otp');
}

export async function changePassword(
  ctx: IdentityContext,
  caller: AuthUser,
  params: { currentPassword: string; newPassword: string },
  origin: RequestOrigin,
): Promise<void> {
  const user = await findUserById(ctx.db, caller.id);
  if (!user) throw new UnauthorizedError();
  await proveCurrentPassword(ctx, user, params.currentPassword, origin, 'currentPassword');
  checkPassword(params.newPassword, user, 'newPassword');
  const now = ctx.clock.now();
  const passwordHash = await ctx.hasher.hash(params.newPassword);
  await ctx.db.transaction().execute(async (trx) => {
    const updated = await updateUser(trx, user.id, { password_hash: passwordHash, password_changed_at: now }, now);
    if (!updated) throw new UnauthorizedError();
    await endSessions(ctx, { userId: user.id, exceptSessionId: caller.sid, reason: 'password_changed' }, trx);
    await publishUserUpdated(ctx, trx, updated, ['password']);
    await recordAndAlert(ctx, trx, {
      userId: user.id,
      type: 'password.changed',
      severity: 'info',
      origin,
      message: 'Your password was changed and your other sessions were signed out.',
      now,
    });
  });
  ctx.mail.enqueue(passwordChangedMail(user.email, 'changed'), 'password-changed');
}

/** Forgot-password: proven by an emailed code; every session ends, including a thief's. */
export async function resetPassword(ctx: IdentityContext, params: { email: string; code: string; newPassword: string }, origin: RequestOrigin): Promise<void> {
  checkPassword(params.newPassword, { email: params.email }, 'newPassword');
  const user = await verifyOtp(ctx, { email: params.email, code: params.code, purpose: 'password_reset' }, origin);
  checkPassword(params.newPassword, user, 'newPassword');
  const now = ctx.clock.now();
  const passwordHash = await ctx.hasher.hash(params.newPassword);
  await ctx.db.transaction().execute(async (trx) => {
    const updated = await updateUser(
      trx,
      user.id,
      { password_hash: passwordHash, password_changed_at: now, email_verified_at: user.email_verified_at ?? now },
      now,
    );
    if (!updated) throw new UnauthorizedError();
    await endSessions(ctx, { userId: user.id, reason: 'password_reset' }, trx);
    await publishUserUpdated(ctx, trx, updated, user.email_verified_at === null ? ['password', 'emailVerified'] : ['password']);
    await recordAndAlert(ctx, trx, {
      userId: user.id,
      type: 'password.reset',
      severity: 'warning',
      origin,
      message: 'Your password was reset with a code sent to your email, and every session was signed out.',
      now,
    });
  });
  ctx.mail.enqueue(passwordChangedMail(user.email, 'reset'), 'password-reset');
}

/** Ends the caller's session: this access token now, and the refresh family behind it. */
export async function logout(ctx: IdentityContext, caller: AuthUser, params: { refreshToken?: string | undefined }, origin: RequestOrigin): Promise<void> {
  await denyAccessToken(ctx, caller);
  const sessionIds = [caller.sid];
  if (params.refreshToken !== undefined) {
    const owner = await findSessionOwner(ctx.db, { tokenHash: hashToken(params.refreshToken) });
    // Another user's refresh token is ignored: logout never reaches into someone else's sessions.
    if (owner && owner.user_id === caller.id && owner.session_id !== caller.sid) sessionIds.push(owner.session_id);
  }
  await endSessions(ctx, { userId: caller.id, sessionIds, reason: 'logout' });
  await recordSecurityEvent(ctx.db, {
    userId: caller.id,
    type: 'session.ended',
    severity: 'info',
    origin,
    details: { reason: 'logout' },
    now: ctx.clock.now(),
  });
}
