import type { EventPayload } from '@expensio/common';
import type { IdentityContext } from '../context.js';
import type { IdentityTrx } from '../db.js';
import type { UserRow } from './repo.js';

type Changed = EventPayload<'user.updated'>['changed'];

export async function publishUserRegistered(ctx: IdentityContext, trx: IdentityTrx, user: UserRow): Promise<void> {
  await ctx.bus.publish(trx, 'user.registered', user.id, { email: user.email, name: user.name, role: user.role, timeZone: user.time_zone });
}

/** The profile after the change; nothing is published when nothing changed. */
export async function publishUserUpdated(ctx: IdentityContext, trx: IdentityTrx, user: UserRow, changed: Changed): Promise<void> {
  if (changed.length === 0) return;
  await ctx.bus.publish(trx, 'user.updated', user.id, { changed, email: user.email, name: user.name, role: user.role, timeZone: user.time_zone });
}
