import {
  ConflictError,
  ForbiddenError,
  TooManyRequestsError,
  UnauthorizedError,
  fieldError,
  newId,
  type AuthUser,
  type LimitRule,
} from '@expensio/common';
import type { IdentityContext, RequestOrigin } from '../context.js';
import { passwordChangedMail } from '../mail/templates.js';
import { verifyOtp } from '../otp/service.js';
import { passwordProblem } from '../passwords/policy.js';
import { recordSecurityEvent } from '../security/events.js';
import { hashToken, denyAccessToken, endSessions, startSession, type TokenPair } from '../tokens/sessions.js';
import { findSessionOwner } from '../tokens/sessions-repo.js';
import { findUserByEmail, findUserById, insertUser, updateUser, type UserRow } from '../users/repo.js';

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
  params: { email: string; password: string; name?: string | undefined },
  origin: RequestOrigin,
): Promise<SignedIn> {
  checkPassword(params.password, params, 'password');
  const passwordHash = await ctx.hasher.hash(params.password);
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const user = await insertUser(trx, { id: newId(), email: params.email, name: params.name ?? null, passwordHash, role: 'user', now });
    if (!user) throw new ConflictError('An account with this email already exists', 'email_taken');
    const tokens = await startSession(ctx, user, origin, trx);
    await recordSecurityEvent(trx, { userId: user.id, type: 'user.registered', severity: 'info', origin, now });
    return { user, tokens };
  });
}

function loginRules(ctx: IdentityContext): { account: LimitRule; ip: LimitRule } {
  const windowMs = ctx.config.LOGIN_FAILURE_WINDOW;
  return { account: { limit: ctx.config.LOGIN_MAX_FAILURES, windowMs }, ip: { limit: ctx.config.LOGIN_IP_MAX_FAILURES, windowMs } };
}

const accountKey = (email: string) => `login:account:${email}`;
const ipKey = (ip: string) => `login:ip:${ip}`;

/** Refuses while either the account or the address has failed too often recently. */
async function assertLoginAllowed(ctx: IdentityContext, email: string, origin: RequestOrigin, userId: string | null) {
  const now = ctx.clock.now();
  const rules = loginRules(ctx);
  const [byAccount, byIp] = await Promise.all([
    ctx.limiter.peek(accountKey(email), rules.account, now),
    ctx.limiter.peek(ipKey(origin.ip), rules.ip, now),
  ]);
  if (byAccount.allowed && byIp.allowed) return;
  await recordSecurityEvent(ctx.db, {
    userId,
    type: 'login.rate_limited',
    severity: 'warning',
    origin,
    details: { email, by: byAccount.allowed ? 'ip' : 'account' },
    now,
  });
  throw new TooManyRequestsError(Math.max(byAccount.retryAfterMs, byIp.retryAfterMs) / 1000, 'Too many failed sign-in attempts; try again later', 'login_rate_limited');
}

async function recordLoginFailure(ctx: IdentityContext, email: string, origin: RequestOrigin, userId: string | null, reason: string) {
  const now = ctx.clock.now();
  const rules = loginRules(ctx);
  await ctx.limiter.consume(accountKey(email), rules.account, now);
  await ctx.limiter.consume(ipKey(origin.ip), rules.ip, now);
  await recordSecurityEvent(ctx.db, { userId, type: 'login.failed', severity: 'warning', origin, details: { email, reason }, now });
}

async function signIn(ctx: IdentityContext, user: UserRow, origin: RequestOrigin, method: 'password' | 'otp'): Promise<SignedIn> {
  if (user.locked_at !== null) throw new ForbiddenError('This account is locked; contact an administrator', 'account_locked');
  const now = ctx.clock.now();
  await ctx.limiter.reset(accountKey(user.email));
  return ctx.db.transaction().execute(async (trx) => {
    const verified = method === 'otp' && user.email_verified_at === null ? await updateUser(trx, user.id, { email_verified_at: now }, now) : user;
    const tokens = await startSession(ctx, user, origin, trx);
    await recordSecurityEvent(trx, { userId: user.id, type: 'login.succeeded', severity: 'info', origin, details: { method }, now });
    return { user: verified ?? user, tokens };
  });
}

export async function loginWithPassword(ctx: IdentityContext, params: { email: string; password: string }, origin: RequestOrigin): Promise<SignedIn> {
  const user = await findUserByEmail(ctx.db, params.email);
  await assertLoginAllowed(ctx, params.email, origin, user?.id ?? null);
  const matches = user?.password_hash ? await ctx.hasher.verify(user.password_hash, params.password) : (await ctx.hasher.verifyNothing(params.password), false);
  if (!user || !matches) {
    await recordLoginFailure(ctx, params.email, origin, user?.id ?? null, user ? 'wrong_password' : 'unknown_email');
    throw new UnauthorizedError(INVALID_CREDENTIALS, 'invalid_credentials');
  }
  return signIn(ctx, user, origin, 'password');
}

export async function loginWithOtp(ctx: IdentityContext, params: { email: string; code: string }, origin: RequestOrigin): Promise<SignedIn> {
  const user = await verifyOtp(ctx, { ...params, purpose: 'login' }, origin);
  return signIn(ctx, user, origin, 'otp');
}

export async function changePassword(
  ctx: IdentityContext,
  caller: AuthUser,
  params: { currentPassword: string; newPassword: string },
  origin: RequestOrigin,
): Promise<void> {
  const user = await findUserById(ctx.db, caller.id);
  if (!user) throw new UnauthorizedError();
  await assertLoginAllowed(ctx, user.email, origin, user.id);
  const matches = user.password_hash !== null && (await ctx.hasher.verify(user.password_hash, params.currentPassword));
  if (!matches) {
    await recordLoginFailure(ctx, user.email, origin, user.id, 'wrong_current_password');
    throw fieldError('currentPassword', 'The current password is incorrect', 'wrong_password');
  }
  checkPassword(params.newPassword, user, 'newPassword');
  const now = ctx.clock.now();
  await updateUser(ctx.db, user.id, { password_hash: await ctx.hasher.hash(params.newPassword), password_changed_at: now }, now);
  await endSessions(ctx, { userId: user.id, exceptSessionId: caller.sid, reason: 'password_changed' });
  await recordSecurityEvent(ctx.db, { userId: user.id, type: 'password.changed', severity: 'info', origin, now });
  ctx.mail.enqueue(passwordChangedMail(user.email, 'changed'), 'password-changed');
}

/** Forgot-password: proven by an emailed code; every session ends, including a thief's. */
export async function resetPassword(
  ctx: IdentityContext,
  params: { email: string; code: string; newPassword: string },
  origin: RequestOrigin,
): Promise<void> {
  checkPassword(params.newPassword, { email: params.email }, 'newPassword');
  const user = await verifyOtp(ctx, { email: params.email, code: params.code, purpose: 'password_reset' }, origin);
  checkPassword(params.newPassword, user, 'newPassword');
  const now = ctx.clock.now();
  await updateUser(ctx.db, user.id, { password_hash: await ctx.hasher.hash(params.newPassword), password_changed_at: now, email_verified_at: user.email_verified_at ?? now }, now);
  await endSessions(ctx, { userId: user.id, reason: 'password_reset' });
  await ctx.limiter.reset(accountKey(user.email));
  await recordSecurityEvent(ctx.db, { userId: user.id, type: 'password.reset', severity: 'warning', origin, now });
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
  await recordSecurityEvent(ctx.db, { userId: caller.id, type: 'session.ended', severity: 'info', origin, details: { reason: 'logout' }, now: ctx.clock.now() });
}
