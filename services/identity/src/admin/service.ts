import { ConflictError, NotFoundError, newId, type AuthUser } from '@expensio/common';
import type { IdentityContext, RequestOrigin } from '../context.js';
import { recordSecurityEvent } from '../security/events.js';
import { endSessions } from '../tokens/sessions.js';
import { findUserByEmail, findUserById, insertUser, updateUser, type UserRow } from '../users/repo.js';

export interface AdminUserChange {
  role?: 'user' | 'admin' | undefined;
  locked?: boolean | undefined;
  reason?: string | undefined;
}

export async function changeUser(ctx: IdentityContext, admin: AuthUser, userId: string, change: AdminUserChange, origin: RequestOrigin): Promise<UserRow> {
  const user = await findUserById(ctx.db, userId);
  if (!user) throw new NotFoundError('No such user', 'user_not_found');
  if (user.id === admin.id && (change.role === 'user' || change.locked === true)) {
    // The way to lose the last admin by accident; another admin can do it.
    throw new ConflictError('Admins cannot demote or lock themselves', 'self_change_forbidden');
  }
  const now = ctx.clock.now();
  const roleChanged = change.role !== undefined && change.role !== user.role;
  const lockChanged = change.locked !== undefined && change.locked !== (user.locked_at !== null);
  const updated = await updateUser(
    ctx.db,
    user.id,
    {
      ...(roleChanged && { role: change.role }),
      ...(lockChanged && (change.locked === true ? { locked_at: now, locked_reason: change.reason ?? null } : { locked_at: null, locked_reason: null })),
    },
    now,
  );
  if (!updated) throw new NotFoundError('No such user', 'user_not_found');
  // Tokens carry the role, and a locked account must be out now: both end every session.
  if (roleChanged || (lockChanged && change.locked === true)) {
    await endSessions(ctx, { userId: user.id, reason: roleChanged ? 'role_changed' : 'account_locked' });
  }
  if (lockChanged && change.locked === false) await ctx.limiter.reset(`login:account:${user.email}`);
  const details = { by: admin.id, ...(change.reason !== undefined && { reason: change.reason }) };
  if (roleChanged) await recordSecurityEvent(ctx.db, { userId: user.id, type: 'role.changed', severity: 'warning', origin, details: { ...details, role: change.role }, now });
  if (lockChanged) {
    await recordSecurityEvent(ctx.db, { userId: user.id, type: change.locked === true ? 'account.locked' : 'account.unlocked', severity: 'warning', origin, details, now });
  }
  return updated;
}

/**
 * The first admin comes from configuration, never from self-registration. An account someone
 * registered earlier under that address is taken over: promoted, its password cleared and its
 * sessions ended, so only the holder of the mailbox (by emailed code) gets in.
 */
export async function ensureAdmin(ctx: IdentityContext, email: string): Promise<'created' | 'promoted' | 'unchanged'> {
  const now = ctx.clock.now();
  const existing = await findUserByEmail(ctx.db, email);
  if (!existing) {
    await insertUser(ctx.db, { id: newId(), email, name: null, passwordHash: null, role: 'admin', now });
    return 'created';
  }
  if (existing.role === 'admin') return 'unchanged';
  await updateUser(ctx.db, existing.id, { role: 'admin', password_hash: null, email_verified_at: null }, now);
  await endSessions(ctx, { userId: existing.id, reason: 'promoted_by_configuration' });
  await recordSecurityEvent(ctx.db, { userId: existing.id, type: 'role.changed', severity: 'critical', origin: null, details: { role: 'admin', by: 'ADMIN_EMAIL' }, now });
  return 'promoted';
}
