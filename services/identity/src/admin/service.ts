import { ConflictError, NotFoundError, newId, type AuthUser, type EventPayload } from '@expensio/common';
import { resetAccountFailures } from '../auth/limits.js';
import type { IdentityContext, RequestOrigin } from '../context.js';
import { recordAndAlert } from '../security/alerts.js';
import { endSessions } from '../tokens/sessions.js';
import { eraseAccount } from '../users/deletion.js';
import { publishUserRegistered, publishUserUpdated } from '../users/events.js';
import { findUserByEmail, findUserById, insertUser, updateUser, type UserRow } from '../users/repo.js';

export interface AdminUserChange {
  role?: 'user' | 'admin' | undefined;
  locked?: boolean | undefined;
  reason?: string | undefined;
}

type Changed = EventPayload<'user.updated'>['changed'];

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
  const details = { by: admin.id, ...(change.reason !== undefined && { reason: change.reason }) };
  const updated = await ctx.db.transaction().execute(async (trx) => {
    const row = await updateUser(
      trx,
      user.id,
      {
        ...(roleChanged && { role: change.role }),
        ...(lockChanged && (change.locked === true ? { locked_at: now, locked_reason: change.reason ?? null } : { locked_at: null, locked_reason: null })),
      },
      now,
    );
    if (!row) throw new NotFoundError('No such user', 'user_not_found');
    // Tokens carry the role, and a locked account must be out now: both end every session.
    if (roleChanged || (lockChanged && change.locked === true)) {
      await endSessions(ctx, { userId: user.id, reason: roleChanged ? 'role_changed' : 'account_locked' }, trx);
    }
    const changed: Changed = [...(roleChanged ? ['role' as const] : []), ...(lockChanged ? ['locked' as const] : [])];
    await publishUserUpdated(ctx, trx, row, changed);
    if (roleChanged) {
      await recordAndAlert(ctx, trx, {
        userId: user.id,
        type: 'role.changed',
        severity: 'warning',
        origin,
        details: { ...details, role: row.role },
        message: `An administrator changed your role to ${row.role}; sign in again to continue.`,
        now,
      });
    }
    if (lockChanged) {
      const locking = change.locked === true;
      await recordAndAlert(ctx, trx, {
        userId: user.id,
        type: locking ? 'account.locked' : 'account.unlocked',
        severity: locking ? 'warning' : 'info',
        origin,
        details,
        message: locking
          ? 'An administrator locked your account; contact them to regain access.'
          : 'An administrator unlocked your account; you can sign in again.',
        now,
      });
    }
    return row;
  });
  if (lockChanged && change.locked === false) await resetAccountFailures(ctx, user.email);
  return updated;
}

/** DELETE /api/admin/users/:id. An admin leaves through DELETE /api/auth/account, which proves it is them. */
export async function deleteUser(ctx: IdentityContext, admin: AuthUser, userId: string, origin: RequestOrigin): Promise<void> {
  if (userId === admin.id) throw new ConflictError('Admins cannot delete themselves here; use DELETE /api/auth/account', 'self_delete_forbidden');
  await eraseAccount(ctx, userId, { reason: 'admin', by: admin.id, origin });
}

/**
 * The first admin comes from configuration, never from self-registration. An account someone
 * registered earlier under that address is taken over: promoted, its password cleared and its
 * sessions ended, so only the holder of the mailbox (by emailed code) gets in.
 */
export async function ensureAdmin(ctx: IdentityContext, email: string): Promise<'created' | 'promoted' | 'unchanged'> {
  const now = ctx.clock.now();
  const existing = await findUserByEmail(ctx.db, email);
  if (existing?.role === 'admin') return 'unchanged';
  return ctx.db.transaction().execute(async (trx) => {
    if (!existing) {
      const created = await insertUser(trx, { id: newId(), email, name: null, passwordHash: null, role: 'admin', now });
      // Another replica starting at the same moment created it first.
      if (!created) return 'unchanged';
      await publishUserRegistered(ctx, trx, created);
      return 'created';
    }
    const promoted = await updateUser(trx, existing.id, { role: 'admin', password_hash: null, email_verified_at: null }, now);
    if (!promoted) throw new NotFoundError('No such user', 'user_not_found');
    await endSessions(ctx, { userId: existing.id, reason: 'promoted_by_configuration' }, trx);
    const changed: Changed = [
      'role',
      ...(existing.password_hash !== null ? ['password' as const] : []),
      ...(existing.email_verified_at !== null ? ['emailVerified' as const] : []),
    ];
    await publishUserUpdated(ctx, trx, promoted, changed);
    await recordAndAlert(ctx, trx, {
      userId: existing.id,
      type: 'role.changed',
      severity: 'critical',
      origin: null,
      details: { role: 'admin', by: 'ADMIN_EMAIL' },
      message:
        'This address was made the administrator by the server configuration: the password was removed and every session signed out. Sign in with an emailed code.',
      now,
    });
    return 'promoted';
  });
}
