import { NotFoundError } from '@expensio/common';
import type { IdentityContext } from '../context.js';
import { publishUserUpdated } from './events.js';
import { findUserById, updateUser, type UserRow } from './repo.js';

/** What a user may change about themselves; an unchanged value writes and publishes nothing. */
export async function updateProfile(
  ctx: IdentityContext,
  userId: string,
  changes: { name?: string | null | undefined; timeZone?: string | undefined },
): Promise<UserRow> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const user = await findUserById(trx, userId);
    if (!user) throw new NotFoundError('This account no longer exists', 'user_not_found');
    const set: { name?: string | null; time_zone?: string } = {};
    const changed: ('name' | 'timeZone')[] = [];
    if (changes.name !== undefined && changes.name !== user.name) {
      set.name = changes.name;
      changed.push('name');
    }
    if (changes.timeZone !== undefined && changes.timeZone !== user.time_zone) {
      set.time_zone = changes.timeZone;
      changed.push('timeZone');
    }
    if (changed.length === 0) return user;
    const updated = await updateUser(trx, userId, set, now);
    if (!updated) throw new NotFoundError('This account no longer exists', 'user_not_found');
    await publishUserUpdated(ctx, trx, updated, changed);
    return updated;
  });
}
