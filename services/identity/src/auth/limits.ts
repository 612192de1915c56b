import { TooManyRequestsError, fieldError, type LimitRule } from '@expensio/common';
import type { IdentityContext, RequestOrigin } from '../context.js';
import { recordAndAlert } from '../security/alerts.js';
import { recordSecurityEvent } from '../security/events.js';
import type { UserRow } from '../users/repo.js';
import { publishLoginFailed } from './events.js';

function loginRules(ctx: IdentityContext): { account: LimitRule; ip: LimitRule } {
  const windowMs = ctx.config.LOGIN_FAILURE_WINDOW;
  return { account: { limit: ctx.config.LOGIN_MAX_FAILURES, windowMs }, ip: { limit: ctx.config.LOGIN_IP_MAX_FAILURES, windowMs } };
}

export const accountKey = (email: string) => `login:account:${email}`;
const ipKey = (ip: string) => `login:ip:${ip}`;

/** Refuses while either the account or the address has failed too often recently. */
export async function assertLoginAllowed(ctx: IdentityContext, email: string, origin: RequestOrigin, userId: string | null) {
  const now = ctx.clock.now();
  const rules = loginRules(ctx);
  const [byAccount, byIp] = await Promise.all([
    ctx.limiter.peek(accountKey(email), rules.account, now),
    ctx.limiter.peek(ipKey(origin.ip), rules.ip, now),
  ]);
  if (byAccount.allowed && byIp.allowed) return;
  await ctx.db.transaction().execute(async (trx) => {
    await recordSecurityEvent(trx, {
      userId,
      type: 'login.rate_limited',
      severity: 'warning',
      origin,
      details: { email, by: byAccount.allowed ? 'ip' : 'account' },
      now,
    });
    await publishLoginFailed(ctx, trx, { userId, email, reason: 'rate_limited', origin });
  });
  throw new TooManyRequestsError(Math.max(byAccount.retryAfterMs, byIp.retryAfterMs) / 1000, 'Too many failed sign-in attempts; try again later', 'login_rate_limited');
}

export async function recordLoginFailure(ctx: IdentityContext, email: string, origin: RequestOrigin, userId: string | null, reason: string) {
  const now = ctx.clock.now();
  const rules = loginRules(ctx);
  const byAccount = await ctx.limiter.consume(accountKey(email), rules.account, now);
  await ctx.limiter.consume(ipKey(origin.ip), rules.ip, now);
  await ctx.db.transaction().execute(async (trx) => {
    await recordSecurityEvent(trx, { userId, type: 'login.failed', severity: 'warning', origin, details: { email, reason }, now });
    await publishLoginFailed(ctx, trx, { userId, email, reason, origin });
    // The failure that uses up the allowance pauses password sign-in: the owner hears of it once.
    if (userId !== null && byAccount.allowed && byAccount.remaining === 0) {
      const minutes = Math.round(rules.account.windowMs / 60_000);
      await recordAndAlert(ctx, trx, {
        userId,
        type: 'login.limit_reached',
        severity: 'warning',
        origin,
        details: { failures: rules.account.limit, windowMinutes: minutes },
        message: `${String(rules.account.limit)} wrong passwords in a row: signing in with a password is paused for up to ${String(minutes)} minutes. If this was not you, someone may be guessing your password.`,
        now,
      });
    }
  });
}

export async function resetLoginFailures(ctx: IdentityContext, email: string): Promise<void> {
  await ctx.limiter.reset(accountKey(email));
}

/**
 * Proves a signed-in caller knows their password before a sensitive change, under the same
 * failure limits as sign-in (a stolen access token must not become a password oracle).
 */
export async function proveCurrentPassword(ctx: IdentityContext, user: UserRow, password: string, origin: RequestOrigin, field: string): Promise<void> {
  await assertLoginAllowed(ctx, user.email, origin, user.id);
  const matches = user.password_hash !== null && (await ctx.hasher.verify(user.password_hash, password));
  if (matches) return;
  await recordLoginFailure(ctx, user.email, origin, user.id, 'wrong_current_password');
  throw fieldError(field, 'The current password is incorrect', 'wrong_password');
}
