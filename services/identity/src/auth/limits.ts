import { TooManyRequestsError, clientNetwork, fieldError, type LimitDecision, type LimitRule } from '@expensio/common';
import type { IdentityConfig } from '../config.js';
import type { IdentityContext, RequestOrigin } from '../context.js';
import { accountHeldMail } from '../mail/templates.js';
import { recordAndAlert } from '../security/alerts.js';
import { recordSecurityEvent } from '../security/events.js';
import type { UserRow } from '../users/repo.js';
import { publishLoginFailed } from './events.js';

/**
 * Every check of a secret only the holder knows (a password at sign-in, the current password
 * before a sensitive change, an emailed code for any purpose) goes through `checkCredential`, so
 * they share one set of counters and a new step-up only has to call it. See
 * docs/security-limits.md for the numbers and why.
 *
 * - pair (address, client IP): free failures, then a doubling delay answered with 429. It slows
 *   that client only, so nobody can lock the owner out from elsewhere.
 * - client IP: a window across every address, against one client spraying many accounts (429).
 * - account: consecutive failures from all clients together (NIST 800-63B's 100). Past them the
 *   account is held, for a doubling time; a held account answers like a wrong secret, never 429,
 *   so the hold tells an attacker nothing and the owner can still sign in by emailed code.
 */

/** Why a check failed, as recorded in security events and `auth.login.failed`. */
export type CredentialFailure =
  'wrong_password' | 'unknown_email' | 'account_locked' | 'wrong_current_password' | 'wrong_code' | 'no_valid_code' | 'account_held';

/** The address a check is about, and its account when one exists (unknown addresses are limited alike). */
export interface CredentialSubject {
  email: string;
  user: UserRow | null;
}

function credentialRules(config: IdentityConfig): { pair: LimitRule; ip: LimitRule; account: LimitRule } {
  return {
    pair: {
      limit: config.LOGIN_MAX_FAILURES,
      windowMs: config.LOGIN_FAILURE_MEMORY,
      backoff: { baseMs: config.LOGIN_DELAY_BASE, maxMs: config.LOGIN_DELAY_MAX },
    },
    ip: { limit: config.LOGIN_IP_MAX_FAILURES, windowMs: config.LOGIN_FAILURE_WINDOW },
    account: {
      limit: config.LOGIN_ACCOUNT_MAX_FAILURES,
      windowMs: config.LOGIN_FAILURE_MEMORY,
      backoff: { baseMs: config.LOGIN_ACCOUNT_HOLD, maxMs: config.LOGIN_ACCOUNT_HOLD_MAX },
    },
  };
}

const pairKey = (email: string, ip: string) => `login:pair:${email}:${clientNetwork(ip)}`;
const ipKey = (ip: string) => `login:ip:${clientNetwork(ip)}`;
const accountKey = (email: string) => `login:account:${email}`;

/**
 * Runs `check` under the credential limits and says how it went: 'ok', or why it failed. A
 * delayed pair or a spent client IP is refused with 429 before the secret is looked at. `check`
 * runs even for a held account, so a held account costs the same time as any other; its answer
 * is then 'account_held', which callers answer exactly like a wrong secret. `passesHold` is for
 * emailed codes, the way back in that the hold mail offers.
 */
export async function checkCredential(
  ctx: IdentityContext,
  subject: CredentialSubject,
  origin: RequestOrigin,
  check: () => Promise<'ok' | CredentialFailure>,
  options: { passesHold?: boolean } = {},
): Promise<'ok' | CredentialFailure> {
  const now = ctx.clock.now();
  const rules = credentialRules(ctx.config);
  const [byPair, byIp, byAccount] = await Promise.all([
    ctx.limiter.peek(pairKey(subject.email, origin.ip), rules.pair, now),
    ctx.limiter.peek(ipKey(origin.ip), rules.ip, now),
    ctx.limiter.peek(accountKey(subject.email), rules.account, now),
  ]);
  if (!byPair.allowed || !byIp.allowed) await refuse(ctx, subject, origin, byPair, byIp);
  const checked = await check();
  const outcome = checked === 'ok' && !byAccount.allowed && options.passesHold !== true ? 'account_held' : checked;
  if (outcome === 'ok') {
    await Promise.all([ctx.limiter.reset(pairKey(subject.email, origin.ip)), ctx.limiter.reset(accountKey(subject.email))]);
    return 'ok';
  }
  await countFailure(ctx, subject, origin);
  return outcome;
}

async function refuse(ctx: IdentityContext, subject: CredentialSubject, origin: RequestOrigin, byPair: LimitDecision, byIp: LimitDecision): Promise<never> {
  const now = ctx.clock.now();
  const userId = subject.user?.id ?? null;
  await ctx.db.transaction().execute(async (trx) => {
    await recordSecurityEvent(trx, {
      userId,
      type: 'login.rate_limited',
      severity: 'warning',
      origin,
      details: { email: subject.email, by: byIp.allowed ? 'client' : 'ip' },
      now,
    });
    await publishLoginFailed(ctx, trx, { userId, email: subject.email, reason: 'rate_limited', origin });
  });
  throw new TooManyRequestsError(
    Math.max(byPair.retryAfterMs, byIp.retryAfterMs) / 1000,
    'Too many failed attempts from this client; try again later',
    'login_rate_limited',
  );
}

async function countFailure(ctx: IdentityContext, subject: CredentialSubject, origin: RequestOrigin): Promise<void> {
  const now = ctx.clock.now();
  const rules = credentialRules(ctx.config);
  const [, , byAccount] = await Promise.all([
    ctx.limiter.consume(pairKey(subject.email, origin.ip), rules.pair, now),
    ctx.limiter.consume(ipKey(origin.ip), rules.ip, now),
    ctx.limiter.consume(accountKey(subject.email), rules.account, now),
  ]);
  const { user } = subject;
  // Each hold is told once; an admin-locked account has nothing to offer its owner.
  if (!byAccount.lockedNow || user === null || user.locked_at !== null) return;
  const heldUntil = new Date(now.getTime() + byAccount.retryAfterMs);
  const minutes = Math.max(1, Math.round(byAccount.retryAfterMs / 60_000));
  await ctx.db.transaction().execute((trx) =>
    recordAndAlert(ctx, trx, {
      userId: user.id,
      type: 'login.account_held',
      severity: 'warning',
      origin,
      details: { failures: rules.account.limit, heldUntil: heldUntil.toISOString() },
      message: `Many wrong passwords were tried on your account: password sign-in is paused for ${String(minutes)} minutes. You can still sign in with a code sent to your email.`,
      now,
    }),
  );
  ctx.mail.enqueue(accountHeldMail(user.email, { holdMs: byAccount.retryAfterMs, publicUrl: ctx.config.PUBLIC_URL }), 'account-held');
}

/** Lifts a hold on the account (an admin unlocking it); pairs keep their delays, which expire alone. */
export async function resetAccountFailures(ctx: IdentityContext, email: string): Promise<void> {
  await ctx.limiter.reset(accountKey(email));
}

/**
 * Proves a signed-in caller knows their password before a sensitive change, under the same
 * limits as sign-in (a stolen access token must not become a password oracle).
 */
export async function proveCurrentPassword(ctx: IdentityContext, user: UserRow, password: string, origin: RequestOrigin, field: string): Promise<void> {
  const outcome = await checkCredential(ctx, { email: user.email, user }, origin, async () => {
    const matches = user.password_hash !== null && (await ctx.hasher.verify(user.password_hash, password));
    return matches ? 'ok' : 'wrong_current_password';
  });
  if (outcome === 'ok') return;
  await recordCredentialFailure(ctx, { email: user.email, user }, origin, outcome);
  throw fieldError(field, 'The current password is incorrect', 'wrong_password');
}

/** The security event and `auth.login.failed` of a failed password check. */
export async function recordCredentialFailure(
  ctx: IdentityContext,
  subject: CredentialSubject,
  origin: RequestOrigin,
  reason: CredentialFailure,
): Promise<void> {
  const now = ctx.clock.now();
  const userId = subject.user?.id ?? null;
  await ctx.db.transaction().execute(async (trx) => {
    await recordSecurityEvent(trx, { userId, type: 'login.failed', severity: 'warning', origin, details: { email: subject.email, reason }, now });
    await publishLoginFailed(ctx, trx, { userId, email: subject.email, reason, origin });
  });
}
