import type { FinanceContext } from './context.js';
import { eraseUser } from './users/erase.js';
import { recordUserTimeZone } from './users/time-zone.js';

/** Finance's reactions to other services' events; every runtime subscribes them before starting the bus. */
export function subscribeFinanceConsumers(ctx: FinanceContext): void {
  ctx.bus.subscribe('finance.user-erasure', ['user.deleted'], async (event, trx) => {
    if (event.userId === null) return;
    await eraseUser(trx, event.userId);
    ctx.log.info({ userId: event.userId }, "erased a deleted user's finance data");
  });

  // Every user event carries the profile's zone as it stands, so each one is recorded, not only a change.
  ctx.bus.subscribe('finance.user-time-zones', ['user.registered', 'user.updated'], async (event, trx) => {
    const { timeZone } = event.payload;
    if (event.userId === null || timeZone === undefined) return;
    const recorded = await recordUserTimeZone(trx, { userId: event.userId, timeZone, changedAt: new Date(event.occurredAt) });
    if (!recorded) ctx.log.warn({ userId: event.userId, eventId: event.id }, 'ignored a time zone this runtime does not know');
  });
}
