import { ConflictError, NotFoundError, UnauthorizedError, fieldError, type AuthUser, type EventPayload } from '@expensio/common';
import { proveCurrentPassword } from '../auth/limits.js';
import type { IdentityContext, RequestOrigin } from '../context.js';
import { accountDeletedMail } from '../mail/templates.js';
import { INVALID_CODE, proveByCode } from '../otp/service.js';
import { denyUserPats } from '../pats/service.js';
import { publishAlert } from '../security/alerts.js';
import { recordSecurityEvent } from '../security/events.js';
import { denyAccessToken, denySessions } from '../tokens/sessions.js';
import { listOpenSessionIds } from '../tokens/sessions-repo.js';
import { eraseUserRows } from './erase.js';
import { countOtherActiveAdmins, findUserById, lockUserAndAdmins } from './repo.js';

export type DeletionReason = EventPayload<'user.deleted'>['reason'];

/** Nobody could manage users any more; with ADMIN_EMAIL set, that admin would come back at the next start anyway. */
function lastAdmin() {
  return new ConflictError('This is the only administrator who can sign in; make another user an admin first', 'last_admin');
}

/** DELETE /api/auth/account: the caller proves it is them, by password or by a fresh emailed code. */
export async function deleteOwnAccount(
  ctx: IdentityContext,
  caller: AuthUser,
  proof: { password?: string | undefined; code?: string | undefined },
  origin: RequestOrigin,
): Promise<void> {
  const user = await findUserById(ctx.db, caller.id);
  if (!user) throw new UnauthorizedError('This account no longer exists', 'user_not_found');
  // Asked before the proof as well, so a refused deletion spends no code and counts no failure.
  if (user.role === 'admin' && (await countOtherActiveAdmins(ctx.db, user.id)) === 0) throw lastAdmin();
  if (proof.code !== undefined) {
    const proven = await proveByCode(ctx, { email: user.email, user }, { code: proof.code, purpose: 'account_deletion' }, origin);
    if (!proven) throw fieldError('code', INVALID_CODE, 'invalid_code');
  } else if (proof.password !== undefined && user.password_hash !== null) {
    await proveCurrentPassword(ctx, user, proof.password, origin, 'password');
  } else {
    throw fieldError('password', 'This account has no password: confirm with a code from POST /api/auth/otp/request (purpose account_deletion)', 'no_password');
  }
  await eraseAccount(ctx, user.id, { reason: 'user_request', by: user.id, origin, token: caller });
}

/**
 * Deletes everything identity holds for the user in one transaction, with the denial of every
 * access token still out and the `user.deleted` event that makes the other services erase theirs.
 */
export async function eraseAccount(
  ctx: IdentityContext,
  userId: string,
  params: { reason: DeletionReason; by: string; origin: RequestOrigin; token?: AuthUser },
): Promise<void> {
  const now = ctx.clock.now();
  const severity = params.reason === 'admin' ? 'warning' : 'info';
  const email = await ctx.db.transaction().execute(async (trx) => {
    const locked = await lockUserAndAdmins(trx, userId);
    const user = locked.find((row) => row.id === userId);
    if (!user) throw new NotFoundError('No such user', 'user_not_found');
    const otherAdmins = locked.filter((row) => row.id !== userId && row.role === 'admin' && row.locked_at === null);
    if (user.role === 'admin' && otherAdmins.length === 0) throw lastAdmin();
    // Refused from the commit on (at once with Redis) by every service that checks the denylist.
    const sessionIds = await listOpenSessionIds(trx, { userId, endedAfter: new Date(now.getTime() - ctx.config.ACCESS_TOKEN_TTL) });
    await denySessions(ctx, sessionIds, trx);
    if (params.token) await denyAccessToken(ctx, params.token, trx);
    await denyUserPats(ctx, userId, trx);
    await eraseUserRows(trx, userId);
    // The record outlives the user, so it names them by id only.
    await recordSecurityEvent(trx, {
      userId: null,
      type: 'account.deleted',
      severity,
      origin: params.origin,
      details: { userId, reason: params.reason, by: params.by },
      now,
    });
    await ctx.bus.publish(trx, 'user.deleted', userId, { reason: params.reason });
    await publishAlert(ctx, trx, userId, {
      type: 'account.deleted',
      severity,
      message: params.reason === 'admin' ? 'Your account was deleted by an administrator.' : 'Your account was deleted at your request.',
      ip: params.origin.ip.slice(0, 64),
      details: { reason: params.reason },
    });
    return user.email;
  });
  ctx.mail.enqueue(accountDeletedMail(email, params.reason), 'account-deleted');
}
