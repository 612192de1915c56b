import { NotFoundError } from '@expensio/common';
import type { IdentityContext } from '../context.js';
import { publishUserUpdated } from './events.js';
import { findUserById, updateUser, type UserRow } from './repo.js';

/** What a user may change about themselves; an unchanged value writes and publishes nothing. */
export async function updateProfile(ctx: IdentityContext, userId: string, changes: { name?: string | null | undefined }): Promise<UserRow> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const user = await findUserById(trx, userId);
    if (!user) throw new NotFoundError('This account no longer exists', 'user_not_found');
    if (changes.name === undefined || changes.name === user.name) return user;
    const updated = await updateUser(trx, userId, { name: changes.name }, now);
    if (!updated) throw new NotFoundError('This account no longer exists', 'user_not_found');
    await publishUserUpdated(ctx, trx, updated, ['name']);
    return updated;
  });
}
